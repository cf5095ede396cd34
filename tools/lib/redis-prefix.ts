import Redis from 'ioredis';
import { redisOptionsFromUrl } from '../../src/infrastructure/redis/redis-connection';

/** Deletes every key under `prefix:` (a demo's or a test run's throwaway namespace). */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis({ ...redisOptionsFromUrl(url), maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
