import Redis from 'ioredis';
import { clusterClient, redisOptionsFromUrl } from '../../src/infrastructure/redis/redis-connection';

/**
 * Deletes every key under `prefix:` (a demo's or a test run's throwaway namespace), on the Redis at `url` or, given
 * seed URLs, on every master of a Redis Cluster (one key per command there: the keys are in many slots).
 */
export async function deleteKeysWithPrefix(url: string, prefix: string, clusterNodes: readonly string[] = []): Promise<void> {
  const cluster = clusterNodes.length > 0 ? clusterClient(clusterNodes, { maxRetriesPerRequest: 1 }) : undefined;
  const single = cluster ? undefined : new Redis({ ...redisOptionsFromUrl(url), maxRetriesPerRequest: 1 });
  try {
    const nodes = cluster ? (await cluster.info(), cluster.nodes('master')) : [single!];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await node.pipeline(keys.map((key) => ['unlink', key])).exec();
      } while (cursor !== '0');
    }
  } finally {
    (cluster ?? single)!.disconnect();
  }
}
