import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, type TestingModule } from '@nestjs/testing';
import Redis from 'ioredis';
import { AppModule } from '../../src/app.module';
import { APP_OPTIONS, configureApp, createHttpAdapter } from '../../src/app.setup';
import { AppConfig } from '../../src/config/app-config';
import { clusterClient, RedisClient, redisOptionsFromUrl } from '../../src/infrastructure/redis/redis-connection';
import { LogCapture } from './log-capture';
import { deleteKeysWithPrefix, TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from './redis-cleanup';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  logs: LogCapture;
  /** A client for assertions on what is stored (a cluster client when the app runs on a cluster). */
  redis: RedisClient;
  /** The key prefix of this app: every key it writes starts with `${prefix}:`. */
  prefix: string;
  /** Closes the application (workers drained) and keeps its keys, for another app on the same prefix. Idempotent. */
  stop(): Promise<void>;
  /** stop(), then deletes every key under the prefix. */
  close(): Promise<void>;
}

/** A unique key prefix per test app, so suites never see each other's (or a previous run's) data. */
export function uniquePrefix(): string {
  return `hct-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** Test environment defaults; anything can be overridden per suite. */
export function testEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: uniquePrefix(),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    SECRETS_KEY: randomBytes(32).toString('base64'),
    PUBLIC_BASE_URL: 'https://connector.example.test',
    EGRESS_ALLOWLIST: '127.0.0.1,localhost,::1',
    LOG_LEVEL: 'info',
    ENDPOINTS_FILE: 'test/fixtures/no-endpoints.yaml',
    DELIVERY_BACKOFF_MS: '50',
    // The suite runs on a Redis Cluster too: TEST_REDIS_CLUSTER_NODES=redis://127.0.0.1:7101,…
    ...(TEST_REDIS_CLUSTER_NODES.length > 0 ? { REDIS_CLUSTER_NODES: TEST_REDIS_CLUSTER_NODES.join(',') } : {}),
    ...overrides,
  };
}

/** The application of a compiled module, created and configured as main.ts does it (not yet initialised). */
export function configuredApp(moduleRef: TestingModule): NestFastifyApplication {
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(), APP_OPTIONS);
  configureApp(app);
  return app;
}

/** The real application (same configureApp as main.ts) on an ephemeral port, against real Redis. */
export async function createTestApp(overrides: Record<string, string> = {}): Promise<TestApp> {
  const config = AppConfig.fromEnvironment(testEnvironment(overrides));
  const logs = new LogCapture();
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ config, logDestination: logs })],
  }).compile();
  const app = configuredApp(moduleRef);
  await app.listen(0, '127.0.0.1');
  const redis =
    config.redisClusterNodes.length > 0 ? clusterClient(config.redisClusterNodes, {}) : new Redis(redisOptionsFromUrl(config.redisUrl));
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= app.close().finally(() => redis.disconnect());
    return stopping;
  };
  return {
    app,
    config,
    logs,
    redis,
    prefix: config.redisPrefix,
    stop,
    async close() {
      await stop();
      await deleteKeysWithPrefix(config.redisPrefix, config.redisUrl, config.redisClusterNodes);
    },
  };
}
