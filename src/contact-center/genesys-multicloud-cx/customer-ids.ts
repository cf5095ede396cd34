import type { CustomerAddress } from '../provider-event-sink';
import type { CustomerIdMode } from './genesys-multicloud-cx-settings';

/** `hc-` + the connector's handover id (`ho_<shard>_` + 22 base64url characters; ids made before shards lack `<shard>_`). */
const PER_HANDOVER = /^hc-(ho_(?:\d{1,3}_)?[A-Za-z0-9_-]{22})$/;

/** The consumer id Nexus is to know the customer by (`channel.from.id`): the bot's userId, or one per handover. */
export function consumerIdFor(mode: CustomerIdMode, ids: { userId: string; handoverId: string }): string {
  return mode === 'per-handover' ? `hc-${ids.handoverId}` : ids.userId;
}

/**
 * How the intake finds the handover of a consumer id: by the handover id it carries, then as a user id. Both
 * forms are read whatever the endpoint's mode is now, so handovers opened before a mode change still resolve.
 */
export function addressOf(consumerId: string): CustomerAddress {
  const handoverId = PER_HANDOVER.exec(consumerId)?.[1];
  return handoverId ? { customerId: consumerId, handoverId } : { customerId: consumerId };
}
