import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { BotApi } from './bot-api';
import { startConnector } from './connector';
import { DemoProvider, startContactCenter } from './contact-centers';
import { DemoBot } from './demo-bot';
import { EmulatorHops, followEmulator } from './emulator-feed';
import { watchJobs } from './job-watcher';
import { LiveStream } from './live-stream';
import { CALLBACK_PATH, playgroundApp } from './playground-server';
import { pickPort } from './ports';
import { deleteKeysWithPrefix } from '../lib/redis-prefix';
import { provideRedis } from './redis';
import { Timeline } from './timeline';

const ENDPOINT_ID = 'demo';
const HOST = '127.0.0.1';

export interface DemoOptions {
  /** Preferred ports (a taken one falls back to a free one; 0 = any). Defaults: 8080, 3000, 9090. */
  port?: number;
  connectorPort?: number;
  emulatorPort?: number;
  /** Used when a Redis answers there; otherwise a throwaway redis-server is started. */
  redisUrl?: string;
  /** The connector's REDIS_PREFIX; every key under it is deleted at start and at close. Default `demo`. */
  redisPrefix?: string;
  /** The connector's LOG_LEVEL. Default `error`. */
  logLevel?: string;
  /** The connector's ADMIN_TOKEN (at least 16 characters); random when absent. */
  adminToken?: string;
  /** The emulated contact center. Default `genesys-cloud-open-messaging`. */
  provider?: DemoProvider;
}

export interface Demo {
  /** The playground page: the one URL a user opens. */
  url: string;
  connectorUrl: string;
  emulatorUrl: string;
  close(): Promise<void>;
}

const secret = (bytes = 24) => randomBytes(bytes).toString('base64url');

/** The connector's environment: local egress allowed, quick retries and grace periods for a lively demo. */
function connectorEnvironment(
  redisUrl: string,
  prefix: string,
  port: number,
  endpointsFile: string,
  options: DemoOptions,
): Record<string, string> {
  return {
    NODE_ENV: 'development',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    ADMIN_TOKEN: options.adminToken ?? secret(),
    SECRETS_KEY: randomBytes(32).toString('base64'),
    PUBLIC_BASE_URL: `http://localhost:${port}`,
    EGRESS_ALLOWLIST: '127.0.0.1,localhost,::1',
    ENDPOINTS_FILE: endpointsFile,
    LOG_LEVEL: options.logLevel ?? 'error',
    AGENT_LEFT_GRACE_MS: '3000',
    DELIVERY_BACKOFF_MS: '250',
    SHUTDOWN_GRACE_MS: '3000',
  };
}

/**
 * The whole product on one machine, in this process: Redis (found or started), the emulated contact center (Genesys
 * Cloud or Multicloud CX), the connector (the real AppModule, seeded from config/demo-endpoints*.yaml), the scripted
 * demo bot with its callback receiver, and the playground page that shows all of it live.
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse())
      await close().catch((err: Error) => process.stderr.write(`Demo shutdown: ${err.message}\n`));
  };
  try {
    const prefix = options.redisPrefix ?? 'demo';
    const redis = await provideRedis(options.redisUrl);
    closers.push(() => redis.close());
    if (!redis.throwaway) {
      await deleteKeysWithPrefix(redis.url, prefix);
      closers.push(() => deleteKeysWithPrefix(redis.url, prefix));
    }

    const contactCenter = await startContactCenter(
      options.provider ?? 'genesys-cloud-open-messaging',
      await pickPort(options.emulatorPort ?? 9090, HOST),
      HOST,
    );
    closers.push(() => contactCenter.close());

    const playgroundPort = await pickPort(options.port ?? 8080, HOST);
    const connectorPort = await pickPort(options.connectorPort ?? 3000, HOST);
    const connectorUrl = `http://${HOST}:${connectorPort}`;
    const bot = { apiKey: secret(32), callbackSecret: secret(), callbackUrl: `http://${HOST}:${playgroundPort}${CALLBACK_PATH}` };

    const timeline = new Timeline((entry) => stream.publish('timeline', entry));
    const addHop = timeline.add.bind(timeline);
    const demoBot = new DemoBot(new BotApi(connectorUrl, ENDPOINT_ID, bot.apiKey, addHop), (event, data) => stream.publish(event, data));
    const provider = contactCenter.info;
    const stream = new LiveStream(async () => ({
      ...demoBot.snapshot(),
      timeline: timeline.all(),
      provider,
      desk: { ...contactCenter.desk(), capabilities: provider.desk },
    }));

    const server = http.createServer(
      playgroundApp({ bot: demoBot, stream, addHop, callbackSecret: bot.callbackSecret, emulatorUrl: contactCenter.emulatorUrl }),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(playgroundPort, HOST, resolve);
    });
    closers.push(async () => {
      stream.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    const hops = new EmulatorHops(provider.apiChannel);
    const feed = await followEmulator(contactCenter.emulatorUrl, (change) => {
      stream.publish('desk', change);
      for (const hop of hops.describe(change)) addHop(hop);
    });
    closers.push(() => feed.close());
    const jobs = await watchJobs(redis.url, prefix, addHop);
    closers.push(() => jobs.close());

    const connector = await startConnector({
      host: HOST,
      port: connectorPort,
      env: connectorEnvironment(redis.url, prefix, connectorPort, contactCenter.endpointsFile, options),
      seedEnv: {
        DEMO_BOT_API_KEY: bot.apiKey,
        DEMO_BOT_CALLBACK_URL: bot.callbackUrl,
        DEMO_BOT_CALLBACK_SECRET: bot.callbackSecret,
        ...contactCenter.seedEnv,
      },
    });
    closers.push(() => connector.close());
    contactCenter.connect(connectorUrl, ENDPOINT_ID);

    let closing: Promise<void> | undefined;
    return {
      url: `http://localhost:${playgroundPort}/`,
      connectorUrl,
      emulatorUrl: contactCenter.emulatorUrl,
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
