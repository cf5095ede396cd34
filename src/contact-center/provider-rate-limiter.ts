import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisService } from '../infrastructure/redis/redis.service';

/**
 * KEYS: the window's sorted set. ARGV: limit, window ms, a unique member. Keeps at most `limit` grants in any window,
 * on Redis's clock (processes with skewed clocks agree). Answers 0 for a granted slot, otherwise the ms until the
 * oldest grant that counts leaves the window; a refused call records nothing.
 */
const LUA_TAKE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], used - limit, used - limit, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0
`;

const SCRIPT = 'hcProviderTakeSlot';

type Scripted = Redis & Record<typeof SCRIPT, (key: string, limit: number, windowMs: number, member: string) => Promise<number>>;

/**
 * A per-endpoint cap on calls to a contact center, shared by every worker and process on the same Redis: a
 * sliding-window log in one sorted set per name. Provider-neutral: any provider folder may use it.
 */
@Injectable()
export class ProviderRateLimiter {
  private readonly client: Scripted;

  constructor(private readonly redis: RedisService) {
    this.client = redis.client as Scripted;
    if (typeof this.client[SCRIPT] !== 'function') redis.client.defineCommand(SCRIPT, { numberOfKeys: 1, lua: LUA_TAKE_SLOT });
  }

  /** One attempt: 0 when a slot under `name` was taken, else the wait in ms before one frees up. */
  async tryAcquire(name: string, limit: number, windowMs = 60_000): Promise<number> {
    const slots = Math.max(1, Math.floor(limit));
    return Number(await this.client[SCRIPT](this.redis.key('ratelimit', name), slots, windowMs, randomUUID()));
  }

  /**
   * Takes a slot, waiting in place while the waits add up to less than `maxWaitMs`. Returns 0 once a slot is taken,
   * or the wait still ahead, so the caller can hand the work back to its queue instead of holding a worker.
   */
  async acquire(name: string, limit: number, { maxWaitMs = 1000, windowMs = 60_000 } = {}): Promise<number> {
    for (let waited = 0; ;) {
      const waitMs = await this.tryAcquire(name, limit, windowMs);
      if (waitMs === 0 || waited + waitMs >= maxWaitMs) return waitMs;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      waited += waitMs;
    }
  }
}
