import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { RedisService } from '../infrastructure/redis/redis.service';
import { ProviderRateLimiter } from './provider-rate-limiter';

/** Runs the Lua script against the real Redis (REDIS_URL, default 127.0.0.1:6379) under a throwaway prefix. */
describe('ProviderRateLimiter (sliding window in Redis)', () => {
  let redis: RedisService;
  let other: RedisService;
  const prefix = `hcu-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    const config = AppConfig.fromEnvironment({
      NODE_ENV: 'test',
      REDIS_PREFIX: prefix,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    });
    redis = new RedisService(config);
    other = new RedisService(config);
    await redis.onModuleInit();
    await other.onModuleInit();
  });

  afterAll(async () => {
    const keys = await redis.client.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.client.del(...keys);
    await redis.onApplicationShutdown();
    await other.onApplicationShutdown();
  });

  it('grants up to the limit within the window, then tells how long until a slot frees', async () => {
    const limiter = new ProviderRateLimiter(redis);
    const name = `a-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 5 }, () => limiter.tryAcquire(name, 5, 60_000)));
    expect(results).toEqual([0, 0, 0, 0, 0]);
    const wait = await limiter.tryAcquire(name, 5, 60_000);
    expect(wait).toBeGreaterThan(59_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(await redis.client.zcard(redis.keys.rateLimit(name))).toBe(5);
  });

  it('is shared by every client of the same Redis (workers, processes)', async () => {
    const a = new ProviderRateLimiter(redis);
    const b = new ProviderRateLimiter(other);
    const name = `b-${randomUUID()}`;
    const granted = (await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).tryAcquire(name, 6, 60_000)))).filter(
      (w) => w === 0,
    );
    expect(granted).toHaveLength(6);
  });

  it('frees slots as the window slides', async () => {
    const limiter = new ProviderRateLimiter(redis);
    const name = `c-${randomUUID()}`;
    expect(await limiter.tryAcquire(name, 2, 300)).toBe(0);
    expect(await limiter.tryAcquire(name, 2, 300)).toBe(0);
    const wait = await limiter.tryAcquire(name, 2, 300);
    expect(wait).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, wait + 20));
    expect(await limiter.tryAcquire(name, 2, 300)).toBe(0);
  });

  it('acquire waits for short waits and hands long ones back', async () => {
    const limiter = new ProviderRateLimiter(redis);
    const short = `d-${randomUUID()}`;
    await limiter.tryAcquire(short, 1, 200);
    const started = Date.now();
    expect(await limiter.acquire(short, 1, { windowMs: 200, maxWaitMs: 1000 })).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);

    const long = `e-${randomUUID()}`;
    await limiter.tryAcquire(long, 1, 60_000);
    const t0 = Date.now();
    expect(await limiter.acquire(long, 1, { maxWaitMs: 1000 })).toBeGreaterThan(59_000);
    expect(Date.now() - t0).toBeLessThan(200);
  });

  it('computes the wait correctly after the limit was lowered', async () => {
    const limiter = new ProviderRateLimiter(redis);
    const name = `f-${randomUUID()}`;
    for (let i = 0; i < 4; i++) await limiter.tryAcquire(name, 10, 60_000);
    expect(await limiter.tryAcquire(name, 2, 60_000)).toBeGreaterThan(59_000);
    expect(await redis.client.zcard(redis.keys.rateLimit(name))).toBe(4);
  });

  it('under a high limit takes slots in batches, and the processes together never pass the limit', async () => {
    const a = new ProviderRateLimiter(redis);
    const b = new ProviderRateLimiter(other);
    const name = `g-${randomUUID()}`;
    const calls = jest.spyOn(redis, 'run');
    const results = await Promise.all(Array.from({ length: 1200 }, (_, i) => (i % 2 ? a : b).tryAcquire(name, 1000, 60_000)));
    const granted = results.filter((w) => w === 0).length;
    expect(granted).toBeLessThanOrEqual(1000);
    expect(granted).toBeGreaterThanOrEqual(1000 - 2 * 10);
    expect(results.filter((w) => w > 59_000 && w <= 61_000)).toHaveLength(1200 - granted);
    expect(await redis.client.zcard(redis.keys.rateLimit(name))).toBe(1000);
    expect(calls.mock.calls.length).toBeLessThan(200);
    calls.mockRestore();
  });

  it('stops spending slots taken ahead once their second is over', async () => {
    const limiter = new ProviderRateLimiter(redis);
    const name = `h-${randomUUID()}`;
    expect(await limiter.tryAcquire(name, 3200, 60_000)).toBe(0);
    expect(await redis.client.zcard(redis.keys.rateLimit(name))).toBe(32);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await limiter.tryAcquire(name, 3200, 60_000)).toBe(0);
    expect(await redis.client.zcard(redis.keys.rateLimit(name))).toBe(64);
  });
});
