import { performance } from 'node:perf_hooks';
import Redis, { Cluster } from 'ioredis';
import { RedisCluster } from '../support/redis-cluster';

/** The harness itself, proven: 6 real redis-server processes in cluster mode, keys spread, failovers survived. */
describe('RedisCluster (test support)', () => {
  let cluster: RedisCluster;
  let client: Cluster;
  const timings: string[] = [];

  beforeAll(async () => {
    const began = performance.now();
    cluster = await RedisCluster.start();
    timings.push(`create ${Math.round(performance.now() - began)} ms`);
    client = new Cluster(
      cluster.seedUrls.split(',').map((url) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) })),
      // Commands wait out a failover (node timeout 2 s, then the election) instead of failing.
      { retryDelayOnFailover: 200, retryDelayOnClusterDown: 200, maxRedirections: 100, redisOptions: { maxRetriesPerRequest: 100 } },
    );
  }, 60000);

  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
    await cluster?.stop(); // idempotent
    process.stdout.write(`redis-cluster timings: ${timings.join(', ')}\n`);
  });

  it('has 3 masters and spreads hash-tagged keys over all of them', async () => {
    const masters = await cluster.masters();
    expect(masters).toHaveLength(3);
    expect(cluster.seedUrls.split(',')).toHaveLength(6);
    await Promise.all(Array.from({ length: 60 }, (_, i) => client.set(`{tag-${i}}:k`, String(i))));
    const perMaster = await cluster.keysPerMaster('{tag-*');
    expect([...perMaster.keys()]).toEqual(masters);
    for (const n of perMaster.values()) expect(n).toBeGreaterThan(0);
    expect([...perMaster.values()].reduce((a, b) => a + b, 0)).toBe(60);
  });

  it.each(['gentle', 'kill'] as const)(
    'fails a master over (%s) under a writing loop: no acknowledged write lost',
    async (mode) => {
      const [victim] = await cluster.masters();
      const acked = new Map<string, number[]>();
      let failed = 0;
      let writing = true;
      // 20 writers, each appending its own sequence to a list of its own tag (so every master takes writes).
      const writers = Array.from({ length: 20 }, async (_, w) => {
        const key = `{${mode}-${w}}:list`;
        acked.set(key, []);
        for (let seq = 0; writing; seq++) {
          try {
            await client.rpush(key, String(seq));
            acked.get(key)!.push(seq);
          } catch {
            failed++;
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      });
      await new Promise((r) => setTimeout(r, 500));
      const began = performance.now();
      const promoted = await cluster.failover(victim, mode);
      timings.push(`${mode} failover ${Math.round(performance.now() - began)} ms`);
      await new Promise((r) => setTimeout(r, 500));
      writing = false;
      await Promise.all(writers);

      const masters = await cluster.masters();
      expect(masters).toContain(promoted);
      expect(masters).not.toContain(victim);
      expect(masters).toHaveLength(3);
      for (const [key, seqs] of acked) {
        expect(seqs.length).toBeGreaterThan(10);
        const stored = new Set((await client.lrange(key, 0, -1)).map(Number));
        expect(seqs.filter((seq) => !stored.has(seq))).toEqual([]);
      }
      expect(failed).toBe(0);
      // The promoted master answers directly, as a master.
      const direct = new Redis({ host: '127.0.0.1', port: promoted, lazyConnect: true });
      await direct.connect();
      expect(await direct.info('replication')).toContain('role:master');
      direct.disconnect();
    },
    60000,
  );
});
