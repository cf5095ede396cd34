import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { defineScript } from '../infrastructure/redis/redis-script';
import { RedisService } from '../infrastructure/redis/redis.service';

/**
 * Sliding-window log in one sorted set per key: at most `limit` slots in any `window` ms, across every process
 * sharing the Redis. Takes up to `want` slots at once (fewer when fewer are free) and returns {0, taken}; with none
 * free, {wait}: how long (ms) until one frees up, and nothing is recorded. A slot's score is the latest moment it
 * may be spent (now + holdMs), so a slot spent later than it was taken still counts for a whole window after its
 * use. Redis's clock is used so that processes with skewed clocks agree.
 */
const SLIDING_WINDOW = defineScript({
  name: 'rate-limit-acquire',
  keys: ['bucket'],
  args: ['limit', 'windowMs', 'member', 'want', 'holdMs'],
  lua: `
local key = K.bucket
local limit = tonumber(A.limit)
local window = tonumber(A.windowMs)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  local taken = math.min(tonumber(A.want), limit - count)
  local score = now + tonumber(A.holdMs)
  for i = 1, taken do redis.call('ZADD', key, score, A.member .. ':' .. i) end
  redis.call('PEXPIRE', key, window + tonumber(A.holdMs))
  return {0, taken}
end
local freeing = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
return {math.max(1, tonumber(freeing[2]) + window - now)}
`,
});

/** How long slots taken ahead may be spent by this process. */
const HOLD_MS = 1000;
/** The most slots taken at once: a small share of the limit (1 %), so that a limit below 200 is taken one by one. */
const MAX_AHEAD = 32;

/**
 * A per-endpoint cap on calls to a contact center, shared by every worker and process on the same Redis.
 * Provider-neutral: any provider folder uses it for its own buckets. Under a high limit a process takes a few
 * slots at once and spends them within a second, so a busy endpoint costs Redis one call per batch instead of one
 * per call; slots left unspent when the second ends stay counted (at most the batch, per process and second).
 */
@Injectable()
export class ProviderRateLimiter {
  private readonly held = new Map<string, { left: number; until: number }>();
  private readonly taking = new Map<string, Promise<number>>();

  constructor(private readonly redis: RedisService) {}

  /** Takes a slot under `name` if one is free: 0, else the wait in ms before one frees up. */
  async tryAcquire(name: string, limit: number, windowMs = 60_000): Promise<number> {
    for (;;) {
      const held = this.held.get(name);
      if (held && held.left > 0 && Date.now() < held.until) {
        held.left--;
        return 0;
      }
      let taking = this.taking.get(name);
      if (!taking) {
        taking = this.take(name, Math.max(1, Math.floor(limit)), windowMs).finally(() => this.taking.delete(name));
        this.taking.set(name, taking);
      }
      const waitMs = await taking;
      if (waitMs > 0) return waitMs;
    }
  }

  /** Takes a batch of slots into `held`: 0, or the wait when none is free. */
  private async take(name: string, limit: number, windowMs: number): Promise<number> {
    const want = Math.min(MAX_AHEAD, Math.max(1, Math.floor(limit / 100)));
    const holdMs = want > 1 ? HOLD_MS : 0;
    const until = Date.now() + holdMs;
    const [waitMs, taken] = (await this.redis.run(SLIDING_WINDOW, {
      keys: { bucket: this.redis.keys.rateLimit(name) },
      args: { limit, windowMs, member: randomUUID(), want, holdMs },
    })) as [number, number?];
    if (waitMs > 0) return waitMs;
    // A batch of one is spent at once by the caller that took it; a larger one by whoever comes first.
    this.held.set(name, { left: taken ?? 1, until: want > 1 ? until : Number.POSITIVE_INFINITY });
    return 0;
  }

  /**
   * Waits for a slot while the total wait stays under `maxWaitMs`; otherwise gives up and returns the wait, so
   * the caller can reschedule the work instead of holding a worker. Returns 0 once a slot is taken.
   */
  async acquire(name: string, limit: number, { maxWaitMs = 1000, windowMs = 60_000 } = {}): Promise<number> {
    let waited = 0;
    for (;;) {
      const waitMs = await this.tryAcquire(name, limit, windowMs);
      if (waitMs === 0) return 0;
      if (waited + waitMs >= maxWaitMs) return waitMs;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      waited += waitMs;
    }
  }
}
