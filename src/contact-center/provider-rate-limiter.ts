import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { defineScript } from '../infrastructure/redis/redis-script';
import { RedisService } from '../infrastructure/redis/redis.service';

/**
 * Sliding-window log in one sorted set per key: at most `limit` grants in any `window` ms, across every process
 * sharing the Redis. Redis's clock is used so that processes with skewed clocks agree. Returns 0 when a slot was
 * taken, otherwise how long (ms) until one frees up; nothing is recorded for a refused call.
 */
const SLIDING_WINDOW = defineScript({
  name: 'rate-limit-acquire',
  keys: ['bucket'],
  args: ['limit', 'windowMs', 'member'],
  lua: `
local key = K.bucket
local limit = tonumber(A.limit)
local window = tonumber(A.windowMs)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, A.member)
  redis.call('PEXPIRE', key, window)
  return 0
end
local freeing = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
return math.max(1, tonumber(freeing[2]) + window - now)
`,
});

/**
 * A per-endpoint cap on calls to a contact center, shared by every worker and process on the same Redis.
 * Provider-neutral: any provider folder uses it for its own buckets.
 */
@Injectable()
export class ProviderRateLimiter {
  constructor(private readonly redis: RedisService) {}

  /** Takes a slot under `name` if one is free: 0, else the wait in ms before one frees up. */
  async tryAcquire(name: string, limit: number, windowMs = 60_000): Promise<number> {
    return Number(
      await this.redis.run(SLIDING_WINDOW, {
        keys: { bucket: this.redis.keys.rateLimit(name) },
        args: { limit: Math.max(1, Math.floor(limit)), windowMs, member: randomUUID() },
      }),
    );
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
