import { QueueEvents } from 'bullmq';
import { Lane, LANES } from '../../src/relay/relay-queues';
import { redisOptionsFromUrl } from '../../src/infrastructure/redis/redis-connection';
import type { TimelineDraft } from './demo-events';
import { RedisKeys } from '../../src/infrastructure/redis/redis-keys';

const WHAT: Record<Lane, string> = {
  [Lane.ToAgent]: 'relay to Genesys',
  [Lane.ToBot]: 'relay to the bot',
};

/** BullMQ event stream ids start with the Redis time in milliseconds: when it happened, not when we read it. */
function streamTime(id: string): number {
  const ms = Number(id.split('-')[0]);
  return Number.isFinite(ms) ? ms : Date.now();
}

/**
 * Watches the connector's relay jobs from the outside, through BullMQ's event stream in Redis (the connector's
 * `RedisKeys.bullPrefix` keys): one hop per finished job.
 */
export async function watchJobs(
  redisUrl: string,
  redisPrefix: string,
  onHop: (hop: TimelineDraft) => void,
): Promise<{ close(): Promise<void> }> {
  const connection = redisOptionsFromUrl(redisUrl);
  const watchers = LANES.map((queue) => {
    const events = new QueueEvents(queue, { connection, prefix: new RedisKeys(redisPrefix).bullPrefix(queue) });
    const startedAt = new Map<string, number>();
    const hop = (jobId: string, id: string, summary: string, outcome: TimelineDraft['outcome']) => {
      const start = startedAt.get(jobId) ?? streamTime(id);
      startedAt.delete(jobId);
      onHop({ at: new Date(start).toISOString(), from: 'connector', to: 'connector', channel: 'job', summary, outcome });
    };
    events.on('error', () => undefined);
    events.on('active', ({ jobId }, id) => startedAt.set(jobId, streamTime(id)));
    events.on('completed', ({ jobId }, id) =>
      hop(jobId, id, `${queue}: ${WHAT[queue]} done in ${streamTime(id) - (startedAt.get(jobId) ?? streamTime(id))} ms`, 'ok'),
    );
    // A failed attempt that will be retried comes back as "delayed" (backoff); "failed" is final.
    events.on('delayed', ({ jobId, delay }, id) => {
      if (startedAt.has(jobId))
        hop(
          jobId,
          id,
          `${queue}: ${WHAT[queue]} not through yet; next attempt in ${Math.max(0, Number(delay) - streamTime(id))} ms`,
          'retry',
        );
    });
    events.on('failed', ({ jobId, failedReason }, id) => hop(jobId, id, `${queue}: ${WHAT[queue]} failed: ${failedReason}`, 'error'));
    return events;
  });
  await Promise.all(watchers.map((events) => events.waitUntilReady()));
  return {
    close: async () => {
      await Promise.all(watchers.map((events) => events.close()));
    },
  };
}
