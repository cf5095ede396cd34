import Redis from 'ioredis';
import { redisOptionsFromUrl } from '../../src/infrastructure/redis/redis-connection';

/** Fails the run at once, with a clear message, when no Redis answers (the e2e suites need a real one). */
export default async function globalSetup(): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const client = new Redis({ ...redisOptionsFromUrl(url), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new Error(
      `The e2e tests need a Redis server at ${url} (set REDIS_URL, or run: redis-server --daemonize yes): ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    client.disconnect();
  }
}
