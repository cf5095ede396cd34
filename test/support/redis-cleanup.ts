import { deleteKeysWithPrefix as deleteKeys } from '../../tools/lib/redis-prefix';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Deletes every key of one test run's prefix. */
export function deleteKeysWithPrefix(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  return deleteKeys(url, prefix);
}
