import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { join } from 'node:path';
import { DEFAULT_QUEUE_ID, GenesysEmulator } from '../emulators/genesys-cloud';
import { BotApi } from './bot-api';
import { startConnector } from './connector';
import { DemoBot } from './demo-bot';
import { EmulatorHops, followEmulator } from './emulator-feed';
import { watchJobs } from './job-watcher';
import { LiveStream } from './live-stream';
import { CALLBACK_PATH, playgroundApp } from './playground-server';
import { pickPort } from './ports';
import { deleteKeysWithPrefix } from '../lib/redis-prefix';
import { provideRedis } from './redis';
import { Timeline } from './timeline';

export const DEMO_ENDPOINTS_FILE = join(__dirname, '..', '..', 'config', 'demo-endpoints.yaml');
const ENDPOINT_ID = 'demo';
const HOST = '127.0.0.1';
const GENESYS_CLIENT_ID = 'demo-connector';
const INTEGRATION_ID = '0d3e5f00-0000-4000-8000-00000000de40';

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
function connectorEnvironment(redisUrl: string, prefix: string, port: number, options: DemoOptions): Record<string, string> {
  return {
    NODE_ENV: 'development',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    ADMIN_TOKEN: options.adminToken ?? secret(),
    SECRETS_KEY: randomBytes(32).toString('base64'),
    PUBLIC_BASE_URL: `http://localhost:${port}`,
    EGRESS_ALLOWLIST: '127.0.0.1,localhost,::1',
    ENDPOINTS_FILE: DEMO_ENDPOINTS_FILE,
    LOG_LEVEL: options.logLevel ?? 'error',
    AGENT_LEFT_GRACE_MS: '3000',
    DELIVERY_BACKOFF_MS: '250',
    SHUTDOWN_GRACE_MS: '3000',
  };
}

/**
 * The whole product on one machine, in this process: Redis (found or started), the Genesys emulator, the
 * connector (the real AppModule, seeded from config/demo-endpoints.yaml), the scripted demo bot with its callback
 * receiver, and the playground page that shows all of it live.
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

    const genesys = { clientSecret: secret(), webhookSecret: secret() };
    const emulator = await GenesysEmulator.start({
      port: await pickPort(options.emulatorPort ?? 9090, HOST),
      host: HOST,
      webhookRetryDelayMs: 1000,
      oauthClients: [{ clientId: GENESYS_CLIENT_ID, clientSecret: genesys.clientSecret }],
      routing: { queueName: 'Support', estimatedWaitSeconds: 45 },
    });
    closers.push(() => emulator.close());

    const playgroundPort = await pickPort(options.port ?? 8080, HOST);
    const connectorPort = await pickPort(options.connectorPort ?? 3000, HOST);
    const connectorUrl = `http://${HOST}:${connectorPort}`;
    const bot = { apiKey: secret(32), callbackSecret: secret(), callbackUrl: `http://${HOST}:${playgroundPort}${CALLBACK_PATH}` };

    const timeline = new Timeline((entry) => stream.publish('timeline', entry));
    const addHop = timeline.add.bind(timeline);
    const demoBot = new DemoBot(new BotApi(connectorUrl, ENDPOINT_ID, bot.apiKey, addHop), (event, data) => stream.publish(event, data));
    const stream = new LiveStream(async () => {
      const { conversations, routing } = emulator.state();
      return { ...demoBot.snapshot(), timeline: timeline.all(), desk: { conversations, routing } };
    });

    const server = http.createServer(
      playgroundApp({ bot: demoBot, stream, addHop, callbackSecret: bot.callbackSecret, emulatorUrl: emulator.url }),
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

    const hops = new EmulatorHops();
    const feed = await followEmulator(emulator.url, (change) => {
      stream.publish('desk', change);
      for (const hop of hops.describe(change)) addHop(hop);
    });
    closers.push(() => feed.close());
    const jobs = await watchJobs(redis.url, prefix, addHop);
    closers.push(() => jobs.close());

    const connector = await startConnector({
      host: HOST,
      port: connectorPort,
      env: connectorEnvironment(redis.url, prefix, connectorPort, options),
      seedEnv: {
        DEMO_BOT_API_KEY: bot.apiKey,
        DEMO_BOT_CALLBACK_URL: bot.callbackUrl,
        DEMO_BOT_CALLBACK_SECRET: bot.callbackSecret,
        DEMO_GENESYS_URL: emulator.url,
        DEMO_GENESYS_CLIENT_ID: GENESYS_CLIENT_ID,
        DEMO_GENESYS_CLIENT_SECRET: genesys.clientSecret,
        DEMO_GENESYS_INTEGRATION_ID: INTEGRATION_ID,
        DEMO_GENESYS_QUEUE_ID: DEFAULT_QUEUE_ID,
        DEMO_GENESYS_WEBHOOK_SECRET: genesys.webhookSecret,
      },
    });
    closers.push(() => connector.close());
    // What an admin does in Genesys: point the Open Messaging integration at the endpoint's Config URL.
    emulator.addIntegration({
      id: INTEGRATION_ID,
      name: 'handover-connector demo',
      webhookUrl: `${connectorUrl}/webhooks/genesys/${ENDPOINT_ID}`,
      webhookSecret: genesys.webhookSecret,
    });

    let closing: Promise<void> | undefined;
    return {
      url: `http://localhost:${playgroundPort}/`,
      connectorUrl,
      emulatorUrl: emulator.url,
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
