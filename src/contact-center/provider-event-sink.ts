import type { RoutingData } from './contact-center-provider';
import type { Endpoint } from '../endpoints/endpoint.model';
import type { ProviderEvent } from './provider-events';

/** What became of one event: handed on, a repeat of one already handed on, or for no live handover (dropped). */
export type ProviderEventOutcome = 'accepted' | 'duplicate' | 'no-handover';

/** How a provider names the customer of a handover: the customer id it was sent, or the handover id it carries. */
export interface CustomerAddress {
  customerId?: string;
  handoverId?: string;
}

/** A live handover a provider conversation was bound to, with the routing data the bot asked for. */
export interface BoundHandover {
  handoverId: string;
  routing: RoutingData;
}

/**
 * Where a provider's intake (webhook controllers, notification clients) hands its normalised events, for the
 * endpoint it verified them for. Implemented by the handover module (ProviderEventIntake) and injected by this
 * abstract class, so providers do not depend on the handover code. `accept` resolves once the events are durably
 * accepted, so a webhook controller may answer 200 only after it returns; it rejects when they could not be stored
 * (answer 503). It answers one outcome per event, in order.
 */
export abstract class ProviderEventSink {
  abstract accept(endpoint: Endpoint, events: ProviderEvent[]): Promise<ProviderEventOutcome[]>;
}

/**
 * The live handovers as a provider's intake may ask about them; implemented by the handover module
 * (ProviderEventIntake) and injected by this abstract class, as the sink is.
 */
export abstract class LiveHandoverDirectory {
  /**
   * For providers that learn the conversation id only when the contact center routes it (Multicloud CX: the
   * Designer application's routing-context call): binds `conversationId` to the customer's live handover, so that
   * its lifecycle events find it, and answers the handover's routing data. Undefined when the customer has no live
   * handover on this endpoint.
   */
  abstract bindConversation(endpoint: Endpoint, customer: CustomerAddress, conversationId: string): Promise<BoundHandover | undefined>;

  /**
   * The provider conversation ids of the endpoint's live handovers, whichever process started them: what a process
   * that takes over the endpoint's event channels must watch (and reconcile).
   */
  abstract liveConversations(endpoint: Endpoint): AsyncIterable<string>;
}
