import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis, { ChainableCommander, Cluster, RedisOptions } from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { clusterClient, coalesceWrites, RedisClient, redisOptionsFromUrl } from './redis-connection';
import { isRedisUnavailableError } from './redis-errors';
import { RedisKeys } from './redis-keys';
import { RedisScript, runScript, ScriptCall } from './redis-script';

/** How long a readiness probe waits for Redis (a stopped node on a cluster may not answer at all). */
const READY_TIMEOUT_MS = 1000;
/**
 * Below this, a handover's hash with a longer routing JSON is a hashtable instead of a listpack: about twice the
 * memory (docs/scaling.md, "Redis memory").
 */
const RECOMMENDED_HASH_MAX_LISTPACK_VALUE = 1024;

/**
 * The connector's own Redis client (BullMQ opens its own connections from `bullConnection`), on one Redis
 * (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES). Commands fail fast while Redis is unreachable, so HTTP
 * handlers answer 503 instead of hanging and the sender (Genesys, the bot) retries.
 */
@Injectable()
export class RedisService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  readonly client: RedisClient;
  /** BullMQ's client, shared by its queues and workers (each worker duplicates it for its blocking connection). */
  readonly bullConnection: RedisClient;
  private readonly clusterNodes: readonly string[];
  private readonly connectionOptions: RedisOptions;
  readonly prefix: string;
  /** Every key shape the connector writes (redis-keys.ts). */
  readonly keys: RedisKeys;
  private readonly extraClients = new Set<RedisClient>();

  constructor(config: AppConfig) {
    this.prefix = config.redisPrefix;
    this.keys = new RedisKeys(this.prefix);
    this.clusterNodes = config.redisClusterNodes;
    this.connectionOptions = redisOptionsFromUrl(config.redisUrl);
    const appOptions = { maxRetriesPerRequest: 1, connectionName: `${this.prefix}:app` };
    const bullOptions = { maxRetriesPerRequest: null, connectionName: `${this.prefix}:bull` };
    if (this.clusterNodes.length > 0) {
      this.client = clusterClient(this.clusterNodes, appOptions, { lazyConnect: true });
      this.bullConnection = clusterClient(this.clusterNodes, bullOptions);
    } else {
      this.client = coalesceWrites(new Redis({ ...this.connectionOptions, ...appOptions, lazyConnect: true, enableOfflineQueue: false }));
      this.bullConnection = coalesceWrites(new Redis({ ...this.connectionOptions, ...bullOptions }));
    }
    this.client.on('error', (err) => this.logger.warn(`Redis: ${err.message}`));
    this.bullConnection.on('error', (err: Error) => this.logger.warn(`Redis (BullMQ): ${err.message}`));
    this.track(this.bullConnection);
  }

  async onModuleInit(): Promise<void> {
    await this.client.connect();
    await this.checkSettings();
  }

  /** A hint in the log for a setting the connector is sized for; nothing where CONFIG is refused (managed Redis). */
  private async checkSettings(): Promise<void> {
    const reply = (await this.client.config('GET', 'hash-max-listpack-value').catch(() => [])) as string[];
    const value = Number(reply[1]);
    if (value < RECOMMENDED_HASH_MAX_LISTPACK_VALUE) {
      this.logger.warn(
        `Redis hash-max-listpack-value is ${value}: a handover whose routing JSON is longer than that is stored as a ` +
          `hashtable, about twice the memory; ${RECOMMENDED_HASH_MAX_LISTPACK_VALUE} is recommended (docs/scaling.md, "Redis memory")`,
      );
    }
  }

  /** Runs a script (redis-script.ts) on the connector's client, by SHA. */
  run<K extends readonly string[], A extends readonly string[]>(script: RedisScript<K, A>, call: ScriptCall<K, A>): Promise<unknown> {
    return runScript(this.client, script, call);
  }

  /**
   * Commands on keys in any slots, sent at once; their replies in order, the first error thrown. On one Redis they
   * are one pipeline; a cluster refuses a pipeline across nodes, so there each is its own command (ioredis sends the
   * commands of one tick to a node together).
   */
  async batch(build: (pipeline: ChainableCommander) => void): Promise<unknown[]> {
    if (!(this.client instanceof Cluster)) {
      const pipeline = this.client.pipeline();
      build(pipeline);
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0] as Error;
      return results.map(([, value]) => value);
    }
    const client = this.client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const calls: Promise<unknown>[] = [];
    const recorder: ChainableCommander = new Proxy({} as ChainableCommander, {
      get:
        (_target, command: string) =>
        (...args: unknown[]) => {
          calls.push(client[command](...args));
          return recorder;
        },
    });
    build(recorder);
    return Promise.all(calls);
  }

  /**
   * Several sorted sets (one per shard, say) read as one: their total size, and the members at `offset` to
   * `offset + limit` by score, lowest first or (`highestFirst`) highest first, ties by member.
   */
  async mergedRange(
    keys: readonly string[],
    offset: number,
    limit: number,
    order: 'lowestFirst' | 'highestFirst',
  ): Promise<{ total: number; members: string[] }> {
    const perKey = await Promise.all(
      keys.map(async (key) => {
        const [count, flat] = await Promise.all([
          this.client.zcard(key),
          order === 'highestFirst'
            ? this.client.zrevrange(key, 0, offset + limit - 1, 'WITHSCORES')
            : this.client.zrange(key, 0, offset + limit - 1, 'WITHSCORES'),
        ]);
        const scored: { member: string; score: number }[] = [];
        for (let i = 0; i < flat.length; i += 2) scored.push({ member: flat[i], score: Number(flat[i + 1]) });
        return { count, scored };
      }),
    );
    const sign = order === 'highestFirst' ? -1 : 1;
    const members = perKey
      .flatMap((k) => k.scored)
      .sort((a, b) => sign * (a.score - b.score || (a.member < b.member ? -1 : 1)))
      .slice(offset, offset + limit)
      .map((s) => s.member);
    return { total: perKey.reduce((sum, k) => sum + k.count, 0), members };
  }

  /** Whether `err` (from any Redis command) means Redis is unreachable right now, so the caller should retry later. */
  isUnavailable(err: unknown): boolean {
    return isRedisUnavailableError(err, this.client.status);
  }

  /** A second connection, e.g. for pub/sub; closed with the application. */
  duplicate(name: string): RedisClient {
    const options = { connectionName: `${this.prefix}:${name}`, maxRetriesPerRequest: null };
    const client =
      this.clusterNodes.length > 0 ? clusterClient(this.clusterNodes, options) : new Redis({ ...this.connectionOptions, ...options });
    client.on('error', (err) => this.logger.warn(`Redis (${name}): ${err.message}`));
    return this.track(client);
  }

  private track<C extends RedisClient>(client: C): C {
    this.extraClients.add(client);
    return client;
  }

  /**
   * Redis answers within READY_TIMEOUT_MS; on a cluster, every slot is served (a master down and not yet replaced
   * fails it).
   */
  async isReady(): Promise<boolean> {
    const answer =
      this.client instanceof Cluster
        ? this.client.cluster('INFO').then((info) => info.includes('cluster_state:ok'))
        : this.client.ping().then((pong) => pong === 'PONG');
    const timeout = new Promise<false>((resolve) => setTimeout(resolve, READY_TIMEOUT_MS, false).unref());
    return Promise.race([answer.catch(() => false), timeout]);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.extraClients, this.client].map((c) => c.quit()));
  }
}
