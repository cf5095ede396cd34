import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { redisOptionsFromUrl } from './redis-connection';
import { isRedisUnavailableError } from './redis-errors';
import { RedisKeys } from './redis-keys';
import { RedisScript, runScript, ScriptCall } from './redis-script';

/**
 * The connector's own Redis client (BullMQ opens its own connections from `bullConnection`).
 * Commands fail fast while Redis is unreachable, so HTTP handlers answer 503 instead of hanging
 * and the sender (Genesys, the bot) retries.
 */
@Injectable()
export class RedisService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  readonly client: Redis;
  readonly bullConnection: RedisOptions;
  readonly prefix: string;
  /** Every key shape the connector writes (redis-keys.ts). */
  readonly keys: RedisKeys;
  private readonly extraClients = new Set<Redis>();

  constructor(config: AppConfig) {
    this.prefix = config.redisPrefix;
    this.keys = new RedisKeys(this.prefix);
    this.bullConnection = redisOptionsFromUrl(config.redisUrl);
    this.client = new Redis({
      ...this.bullConnection,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: `${this.prefix}:app`,
    });
    this.client.on('error', (err) => this.logger.warn(`Redis: ${err.message}`));
  }

  async onModuleInit(): Promise<void> {
    await this.client.connect();
  }

  /** Runs a script (redis-script.ts) on the connector's client, by SHA. */
  run<K extends readonly string[], A extends readonly string[]>(script: RedisScript<K, A>, call: ScriptCall<K, A>): Promise<unknown> {
    return runScript(this.client, script, call);
  }

  /** Whether `err` (from any Redis command) means Redis is unreachable right now, so the caller should retry later. */
  isUnavailable(err: unknown): boolean {
    return isRedisUnavailableError(err, this.client.status);
  }

  /** A second connection, e.g. for pub/sub; closed with the application. */
  duplicate(name: string): Redis {
    const client = new Redis({ ...this.bullConnection, connectionName: `${this.prefix}:${name}`, maxRetriesPerRequest: null });
    client.on('error', (err) => this.logger.warn(`Redis (${name}): ${err.message}`));
    this.extraClients.add(client);
    return client;
  }

  async isReady(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.extraClients, this.client].map((c) => c.quit()));
  }
}
