import type { Cluster, Redis } from 'ioredis';
import { RedisKeys } from '../../src/infrastructure/redis/redis-keys';
import { LANES } from '../../src/relay/relay-queues';

/** The baseline's one BullMQ queue (both directions). */
export const BASELINE_QUEUE = 'relay';

/**
 * BullMQ INCRs `<prefix>:<queue>:id` on every job it adds (before it looks at a custom job id), so the sum of these
 * counters over a system's queues is how many jobs it added: the connector's lanes, or the baseline's queue.
 */
export function connectorJobCounters(redisPrefix: string): string[] {
  const keys = new RedisKeys(redisPrefix);
  return LANES.map((lane) => `${keys.bullPrefix(lane)}:${lane}:id`);
}

export function baselineJobCounters(prefix: string): string[] {
  return [`${prefix}:${BASELINE_QUEUE}:id`];
}

export async function jobsAdded(client: Redis | Cluster, counters: string[]): Promise<number> {
  const values = await Promise.all(counters.map((key) => client.get(key)));
  return values.reduce((n, v) => n + Number(v ?? 0), 0);
}
