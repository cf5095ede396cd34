import { OwnRedis } from './faults/harness';
import { createTestApp } from './support/test-app';

/** The connector reads the Redis settings it is sized for at startup, on a Redis of the test's own. */
describe('Redis settings at startup', () => {
  let redis: OwnRedis;

  beforeAll(async () => {
    redis = await OwnRedis.start();
  });

  afterAll(async () => {
    await redis.destroy();
  });

  const hint = 'Redis hash-max-listpack-value is';

  it("warns when hash-max-listpack-value is Redis's default 64, and says nothing when it is 1024", async () => {
    const admin = redis.client();
    try {
      await admin.config('SET', 'hash-max-listpack-value', '64');
      const untuned = await createTestApp({ REDIS_URL: redis.url });
      await untuned.close();
      expect(untuned.logs.lines.filter((l) => l.includes(hint))).toEqual([
        expect.stringContaining(
          'hash-max-listpack-value is 64: a handover whose routing JSON is longer than that is stored as a hashtable',
        ),
      ]);

      await admin.config('SET', 'hash-max-listpack-value', '1024');
      const tuned = await createTestApp({ REDIS_URL: redis.url });
      await tuned.close();
      // The same server and read as above, only the value differs.
      expect(tuned.logs.lines.filter((l) => l.includes(hint))).toEqual([]);
    } finally {
      admin.disconnect();
    }
  });
});
