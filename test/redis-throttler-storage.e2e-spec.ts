import { RedisThrottlerStorage } from '../src/auth/redis-throttler-storage';
import { AppConfig } from '../src/config/app-config';
import { RedisService } from '../src/infrastructure/redis/redis.service';
import { deleteKeysWithPrefix } from './support/redis-cleanup';
import { testEnvironment } from './support/test-app';

/** The admin rate limit's storage against real Redis: the window, the block, and a new window after the block. */
describe('RedisThrottlerStorage', () => {
  const config = AppConfig.fromEnvironment(testEnvironment());
  const redis = new RedisService(config);
  const storage = new RedisThrottlerStorage(redis);

  beforeAll(() => redis.onModuleInit());
  afterAll(async () => {
    await redis.onApplicationShutdown();
    await deleteKeysWithPrefix(config.redisPrefix);
  });

  it('counts hits in a window, blocks past the limit until the block ends, then starts a new window', async () => {
    const hit = () => storage.increment('admin:192.0.2.1', 60_000, 2, 400, 'default');
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    expect(await hit()).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(await hit()).toEqual({ totalHits: 3, timeToExpire: 60, isBlocked: true, timeToBlockExpire: 1 });
    // Blocked hits are not counted, and the block stays.
    expect(await hit()).toMatchObject({ totalHits: 3, isBlocked: true });
    await new Promise((r) => setTimeout(r, 450));
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    // One hash per bucket, under the prefix.
    expect(await redis.client.hget(redis.keys.throttle('default', 'admin:192.0.2.1'), 'hits')).toBe('1');
    expect(await redis.client.exists(redis.keys.throttle('default', 'admin:192.0.2.2'))).toBe(0);
  });
});
