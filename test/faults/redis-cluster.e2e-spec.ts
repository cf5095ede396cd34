import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { clusterClient } from '../../src/infrastructure/redis/redis-connection';
import { RedisCluster } from '../support/redis-cluster';
import { eventually } from '../support/wait-for-jobs';
import { allDelivered, createStack, notStored, readiness, recordResult, Stack, statusSummary, tally, Traffic } from './harness';

const run = promisify(execFile);
const SESSIONS = 30;
/** At least this many rounds of one message each way per session, and more until the failover is over. */
const ROUNDS = 12;
/** The round during which a master is killed. */
const KILL_ROUND = 3;

/** The pid of the redis-server on `port`, to pause it (SIGSTOP) as a hung machine would be. */
async function pidOf(port: number): Promise<number> {
  const { stdout } = await run('redis-cli', ['-p', String(port), 'info', 'server']);
  return Number(/process_id:(\d+)/.exec(stdout)![1]);
}

async function replicaOf(masterPort: number): Promise<number> {
  const { stdout } = await run('redis-cli', ['-p', String(masterPort), 'cluster', 'nodes']);
  const lines = stdout.trim().split('\n');
  const masterId = lines.find((l) => l.includes('myself'))!.split(' ')[0];
  const replica = lines.find((l) => l.split(' ')[3] === masterId)!;
  return Number(/:(\d+)@/.exec(replica)![1]);
}

describe('fault: a Redis Cluster (6 local redis-server nodes) under the relay', () => {
  let cluster: RedisCluster;
  let stack: Stack;

  beforeAll(async () => {
    cluster = await RedisCluster.start();
  }, 60000);

  afterAll(async () => {
    await stack?.close();
    await cluster?.stop();
  });

  it('a master fails over mid-stream: nothing lost or reordered, keys on every master, readiness red while slots are down', async () => {
    // REDIS_URL is ignored once REDIS_CLUSTER_NODES is set: point it nowhere to prove it.
    stack = await createStack('redis://127.0.0.1:1');
    const connector = await stack.connector({ REDIS_CLUSTER_NODES: cluster.seedUrls });
    const conversations = await stack.openSessions(connector, SESSIONS, 'rc');
    const traffic = new Traffic(stack, conversations);
    const { accepted, agentSent, statuses } = traffic;
    const [victim] = await cluster.masters();
    let failover: Promise<number> | undefined;
    let failedOverAt = 0;
    // Traffic goes on until the replica is promoted, so messages are accepted and delivered through the whole failover.
    let round = 0;
    for (; round < ROUNDS || failedOverAt === 0; round++) {
      if (round === KILL_ROUND) failover = cluster.failover(victim).then((port) => ((failedOverAt = Date.now()), port));
      await traffic.round(round, () => connector.url);
    }
    const promoted = await failover!;
    const redis = clusterClient(cluster.seedUrls.split(','), {});
    let unstored: string[];
    let stored: Map<string, string[]>;
    try {
      // A user message is stored when its 202 is sent. One the killed master acknowledged but had not yet passed to
      // its replica is gone with it (asynchronous replication): only a message in flight at the kill may be.
      unstored = await notStored(redis, stack, accepted);
      expect(unstored.filter((t) => !t.endsWith(` user ${KILL_ROUND}`))).toEqual([]);
      stored = new Map([...accepted].map(([s, texts]) => [s, texts.filter((t) => !unstored.includes(t))]));
      await allDelivered(stack, conversations, stored, agentSent, 60000, { redis, connectors: [connector] });
    } finally {
      redis.disconnect();
    }
    const deliveredAfterMs = Date.now() - failedOverAt;
    const total = tally(stack, conversations, stored, agentSent);
    expect(total.lost).toBe(0);
    expect(total.outOfOrder).toBe(0);
    expect(statuses.filter((s) => s === 202).length).toBeGreaterThan(SESSIONS * ROUNDS * 0.5);

    const perMaster = await cluster.keysPerMaster(`${stack.prefix}:*`);
    expect(perMaster.size).toBe(3);
    for (const keys of perMaster.values()) expect(keys).toBeGreaterThan(0);

    // A master and its replica hang: their slots have no server, the cluster is down, the connector is not ready.
    expect(await readiness(connector.url)).toBe(200);
    const master = (await cluster.masters()).find((p) => p !== promoted)!;
    const pids = [await pidOf(master), await pidOf(await replicaOf(master))];
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      await eventually(async () => expect(await readiness(connector.url)).toBe(503), { timeoutMs: 20000, intervalMs: 250 });
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    await eventually(async () => expect(await readiness(connector.url)).toBe(200), { timeoutMs: 20000, intervalMs: 250 });

    recordResult({
      scenario: 'Redis Cluster: a master SIGKILLed mid-stream (replica promoted), then a master and its replica hung',
      inFlight: SESSIONS * round * 2,
      ...total,
      statuses: statusSummary(statuses),
      notes:
        `${SESSIONS} sessions × ${round} messages each way on a 6-node cluster; master :${victim} killed at round ${KILL_ROUND}, ` +
        `replica :${promoted} promoted; ${unstored.length} message(s) accepted at the kill not on the promoted replica ` +
        `(lost with the master: asynchronous replication); all stored delivered ${(deliveredAfterMs / 1000).toFixed(1)} s after the promotion; ` +
        `keys on every master (${[...perMaster.values()].join('/')}); /health/ready 503 while :${master} and its replica hung, 200 after`,
    });
  }, 240000);
});
