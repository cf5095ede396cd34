import type { Queue } from 'bullmq';

const BUSY_STATES = ['waiting', 'active', 'prioritized', 'waiting-children', 'delayed'] as const;

interface WaitOptions {
  timeoutMs?: number;
  stallMs?: number;
  intervalMs?: number;
  /** The app's LocalDrains: its unfinished local runs count as backlog too. */
  local?: { readonly busy: number };
}

/**
 * Polls the queues (and the local drains, when given) until they are idle twice in a row. Fails fast when the
 * backlog stops shrinking for `stallMs` (a stuck job), instead of waiting for the test timeout.
 */
export async function waitForJobs(
  queues: Queue[],
  { timeoutMs = 30000, stallMs = 10000, intervalMs = 50, local }: WaitOptions = {},
): Promise<void> {
  const started = Date.now();
  let quietChecks = 0;
  let lastBacklog = Number.POSITIVE_INFINITY;
  let lastProgressAt = Date.now();
  while (quietChecks < 2) {
    const counts = await Promise.all(queues.map((q) => q.getJobCounts(...BUSY_STATES)));
    const backlog = counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), local?.busy ?? 0);
    quietChecks = backlog === 0 ? quietChecks + 1 : 0;
    if (backlog < lastBacklog) lastProgressAt = Date.now();
    lastBacklog = backlog;
    if (Date.now() - lastProgressAt > stallMs) {
      throw new Error(`Queues stalled with ${backlog} jobs or local runs pending: ${JSON.stringify(counts)}`);
    }
    if (Date.now() - started > timeoutMs) throw new Error(`Queues not idle after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
    if (quietChecks < 2) await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Polls an assertion until it stops throwing (or rethrows its last error after the timeout). */
export async function eventually<T>(check: () => T | Promise<T>, { timeoutMs = 10000, intervalMs = 25 } = {}): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() - started > timeoutMs) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
