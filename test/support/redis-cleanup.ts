import { deleteKeysWithPrefix as deleteKeys } from '../../tools/lib/redis-prefix';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Seed URLs when the suite runs on a Redis Cluster (TEST_REDIS_CLUSTER_NODES), else none. */
export const TEST_REDIS_CLUSTER_NODES = (process.env.TEST_REDIS_CLUSTER_NODES ?? '').split(',').filter(Boolean);

/** Deletes every key of one test run's prefix. */
export function deleteKeysWithPrefix(prefix: string, url = TEST_REDIS_URL, clusterNodes = TEST_REDIS_CLUSTER_NODES): Promise<void> {
  return deleteKeys(url, prefix, clusterNodes);
}
