import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { freePort } from './connector-process';
import { cpuSplit } from './proc-stats';

const run = promisify(execFile);
const SLOTS = 16384;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface ClusterNode {
  port: number;
  proc: ChildProcess;
  output: string;
}

/** One line of CLUSTER NODES. */
interface NodeLine {
  id: string;
  port: number;
  flags: string[];
  masterId: string;
  /** Serves at least one slot range. */
  hasSlots: boolean;
}

/** Every cluster started in this process, killed at exit even when a test crashed before its stop(). */
const running = new Set<RedisCluster>();
process.once('exit', () => {
  for (const cluster of running) cluster.killAll();
});

/**
 * A real local Redis Cluster for tests and the bench: 6 `redis-server` processes in cluster mode on loopback (3
 * masters, 1 replica each), no persistence, a temp dir for their nodes-<port>.conf, a node timeout of 2 s so that a
 * failover takes a few seconds. Started and stopped by its user; stop() is idempotent.
 */
export class RedisCluster {
  private stopped = false;

  private constructor(
    private readonly nodes: ClusterNode[],
    private readonly dir: string,
  ) {
    running.add(this);
  }

  static async start({ nodeTimeoutMs = 2000, readyTimeoutMs = 30000 } = {}): Promise<RedisCluster> {
    const dir = mkdtempSync(path.join(tmpdir(), 'hc-redis-cluster-'));
    const ports: number[] = [];
    // Each node also listens on a bus port; given explicitly, because port + 10000 may not exist.
    while (ports.length < 12) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    const nodes = ports.slice(0, 6).map((port, i) => {
      const args = [
        ...['--port', String(port), '--cluster-port', String(ports[6 + i]), '--bind', '127.0.0.1'],
        ...['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${port}.conf`)],
        ...['--cluster-node-timeout', String(nodeTimeoutMs), '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
        ...['--dir', dir],
      ];
      const node: ClusterNode = { port, proc: spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }), output: '' };
      const keep = (d: Buffer) => (node.output = (node.output + d.toString()).slice(-10000));
      node.proc.stdout!.on('data', keep);
      node.proc.stderr!.on('data', keep);
      return node;
    });
    const cluster = new RedisCluster(nodes, dir);
    try {
      const deadline = Date.now() + readyTimeoutMs;
      for (const node of nodes) {
        while (!node.output.includes('Ready to accept connections')) {
          if (Date.now() > deadline || node.proc.exitCode !== null)
            throw new Error(`redis-server ${node.port} did not start:\n${node.output}`);
          await sleep(20);
        }
      }
      await run(
        'redis-cli',
        ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'],
        {
          timeout: readyTimeoutMs,
        },
      );
      await cluster.waitHealthy(deadline - Date.now());
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** For REDIS_CLUSTER_NODES: every node's URL, comma separated. */
  get seedUrls(): string {
    return this.nodes.map((n) => `redis://127.0.0.1:${n.port}`).join(',');
  }

  /** The ports of the masters that serve slots now, as a live node sees them. */
  async masters(): Promise<number[]> {
    return (await this.topology())
      .filter((n) => n.flags.includes('master') && n.hasSlots && !n.flags.includes('fail'))
      .map((n) => n.port)
      .sort((a, b) => a - b);
  }

  /** How many keys each master holds: DBSIZE for every key, SCAN MATCH for a pattern. */
  async keysPerMaster(pattern = '*'): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    for (const port of await this.masters()) {
      counts.set(
        port,
        await this.withNode(port, async (client) => {
          if (pattern === '*') return client.dbsize();
          let n = 0;
          let cursor = '0';
          do {
            const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
            cursor = next;
            n += keys.length;
          } while (cursor !== '0');
          return n;
        }),
      );
    }
    return counts;
  }

  /**
   * Fails a master over to its replica and waits until the replica serves its slots and the cluster is ok again.
   * `kill` (default) SIGKILLs the master process, the node timeout then elects the replica; `gentle` asks the
   * replica for CLUSTER FAILOVER (the master hands over without losing a write). Answers the promoted port.
   */
  async failover(masterPort: number, mode: 'kill' | 'gentle' = 'kill', timeoutMs = 30000): Promise<number> {
    const topology = await this.topology();
    const master = topology.find((n) => n.port === masterPort && n.flags.includes('master'));
    if (!master) throw new Error(`${masterPort} is not a master`);
    const replica = topology.find((n) => n.masterId === master.id && !n.flags.includes('fail'));
    if (!replica) throw new Error(`master ${masterPort} has no live replica`);
    if (mode === 'kill') {
      const node = this.node(masterPort);
      node.proc.kill('SIGKILL');
      await new Promise((resolve) =>
        node.proc.exitCode !== null || node.proc.signalCode !== null ? resolve(undefined) : node.proc.once('exit', resolve),
      );
    } else {
      await this.withNode(replica.port, (client) => client.cluster('FAILOVER'));
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await this.topology(replica.port).catch(() => []);
      if (now.find((n) => n.port === replica.port)?.flags.includes('master')) break;
      if (Date.now() > deadline) throw new Error(`replica ${replica.port} of ${masterPort} not promoted after ${timeoutMs} ms`);
      await sleep(50);
    }
    await this.waitHealthy(deadline - Date.now());
    return replica.port;
  }

  /** User+system CPU seconds the live nodes have used (from /proc). */
  cpuSeconds(): number {
    return this.liveNodes().reduce((sum, n) => {
      const { user, system } = cpuSplit(n.proc.pid!);
      return sum + user + system;
    }, 0);
  }

  /** A numeric INFO field summed over the masters (e.g. 'stats', 'total_commands_processed'). */
  async infoSum(section: string, field: string): Promise<number> {
    let sum = 0;
    for (const port of await this.masters()) {
      const info = await this.withNode(port, (client) => client.info(section));
      sum += Number(new RegExp(`${field}:(\\d+)`).exec(info)?.[1] ?? 0);
    }
    return sum;
  }

  /** Kills every node and removes the temp dir; idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exits = this.nodes.map((n) =>
      n.proc.exitCode !== null || n.proc.signalCode !== null ? Promise.resolve() : new Promise((resolve) => n.proc.once('exit', resolve)),
    );
    this.killAll();
    await Promise.all(exits);
    running.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Synchronous (for the exit hook): SIGKILL to every node still running. */
  killAll(): void {
    for (const n of this.nodes) if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill('SIGKILL');
  }

  private node(port: number): ClusterNode {
    const node = this.nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no node on ${port}`);
    return node;
  }

  private liveNodes(): ClusterNode[] {
    return this.nodes.filter((n) => n.proc.exitCode === null && n.proc.signalCode === null);
  }

  private async withNode<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.connect();
      return await use(client);
    } finally {
      client.disconnect();
    }
  }

  /** CLUSTER NODES as one live node (the first, unless named) sees it. */
  private async topology(port = this.liveNodes()[0].port): Promise<NodeLine[]> {
    const text = await this.withNode(port, (client) => client.cluster('NODES') as Promise<string>);
    return text
      .trim()
      .split('\n')
      .map((line) => {
        const [id, address, flags, masterId, , , , , ...slots] = line.split(' ');
        return {
          id,
          port: Number(/:(\d+)@/.exec(address)![1]),
          flags: flags.replace('myself,', '').split(','),
          masterId,
          hasSlots: slots.length > 0,
        };
      });
  }

  /**
   * Until every live node says cluster_state:ok with every slot served, and sees every other live node either as a
   * master of slots or as a replica (right after create, a node not yet told it is a replica still looks like an
   * empty master).
   */
  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const live = () => this.liveNodes().map((n) => n.port);
    const healthy = async (port: number) => {
      const info = (await this.withNode(port, (client) => client.cluster('INFO'))) as string;
      if (!info.includes('cluster_state:ok') || !info.includes(`cluster_slots_ok:${SLOTS}`)) return false;
      const seen = (await this.topology(port)).filter((n) => live().includes(n.port));
      if (seen.length !== live().length || !seen.every((n) => n.flags.includes('slave') || n.hasSlots)) return false;
      // A replica that has not synced with its master yet would refuse to take over when the master dies.
      const replication = (await this.withNode(port, (client) => client.info('replication'))) as string;
      return !replication.includes('role:slave') || replication.includes('master_link_status:up');
    };
    for (;;) {
      const states = await Promise.all(live().map((port) => healthy(port).catch(() => false)));
      if (states.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error(`cluster not ok after ${timeoutMs} ms (healthy nodes: ${states.join(', ')})`);
      await sleep(50);
    }
  }
}
