import type { ThrottlerStorage } from '@nestjs/throttler';
import { defineScript } from '../infrastructure/redis/redis-script';
import type { RedisService } from '../infrastructure/redis/redis.service';

/**
 * One hit on a bucket, in Redis's clock: a fixed window of `ttlMs` from the first hit; the hit past `limit` blocks
 * the bucket for `blockMs`, and a hit after the block starts a new window (as the throttler's in-memory storage
 * does). Answers { hits, ms to the window's end, blocked 0/1, ms to the block's end }.
 */
const THROTTLE_HIT = defineScript({
  name: 'throttle-hit',
  keys: ['bucket'] as const,
  args: ['ttlMs', 'limit', 'blockMs'] as const,
  lua: `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local blockedUntil = tonumber(redis.call('HGET', K.bucket, 'blockedUntil') or '0')
if blockedUntil > now then
  return { tonumber(redis.call('HGET', K.bucket, 'hits')), redis.call('PTTL', K.bucket), 1, blockedUntil - now }
end
if blockedUntil > 0 then redis.call('DEL', K.bucket) end
local hits = redis.call('HINCRBY', K.bucket, 'hits', 1)
if hits == 1 then redis.call('PEXPIRE', K.bucket, A.ttlMs) end
local blockMs = tonumber(A.blockMs)
if hits > tonumber(A.limit) and blockMs > 0 then
  redis.call('HSET', K.bucket, 'blockedUntil', now + blockMs)
  if redis.call('PTTL', K.bucket) < blockMs then redis.call('PEXPIRE', K.bucket, blockMs) end
  return { hits, redis.call('PTTL', K.bucket), 1, blockMs }
end
local over = hits > tonumber(A.limit)
local left = redis.call('PTTL', K.bucket)
return { hits, left, over and 1 or 0, over and left or 0 }`,
});

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/**
 * The admin rate limit's counters in Redis, one hash per bucket (throttler name and client), so that every replica
 * counts against one budget per client instead of one each.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly redis: RedisService) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const [hits, expireMs, blocked, blockMs] = (await this.redis.run(THROTTLE_HIT, {
      keys: { bucket: this.redis.keys.throttle(throttlerName, key) },
      args: { ttlMs: ttl, limit, blockMs: blockDuration },
    })) as [number, number, number, number];
    return { totalHits: hits, timeToExpire: seconds(expireMs), isBlocked: blocked === 1, timeToBlockExpire: seconds(blockMs) };
  }
}
