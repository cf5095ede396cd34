/**
 * The HTTP intake alone: `npx ts-node --transpile-only bench/intake.ts [checkout…]`. For each checkout (default: this
 * one; `npm run build` there first), starts its dist/main.js as `npm run start:prod` does, against its own Redis and
 * the Genesys Cloud emulator, and loads the Genesys Cloud webhook route for 10 s with 50 connections (autocannon):
 * a signed agent message for a customer without a live handover, so each request is authenticated over its raw
 * bytes, parsed, looked up in Redis and answered 200 without relaying anything. Prints req/s, latency and the
 * connector's CPU per request, one JSON line per checkout; give both checkouts in one call to compare them in one sitting.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import autocannon from 'autocannon';
import { GenesysEmulator } from '../tools/emulators/genesys-cloud';
import { genesysSignature } from './lib/load';
import { Child, freePort, ROOT, startRedis } from './lib/processes';

const DURATION_S = 10;
const CONNECTIONS = 50;
const ADMIN_TOKEN = 'intake-bench-admin-token-0123456789';
const CLIENT = { clientId: 'intake-bench', clientSecret: 'intake-bench-secret' };
const WEBHOOK_SECRET = 'intake-bench-webhook-secret-0123456789';
const INTEGRATION_ID = 'c0ffee00-0000-4000-8000-0000000b3e11';
const ENDPOINT = 'intake';

async function measure(checkout: string, redisUrl: string, emulator: GenesysEmulator) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const connector = new Child(process.execPath, ['--max-semi-space-size=32', path.join(checkout, 'dist/main.js')], {
    NODE_ENV: 'production',
    PORT: String(port),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `intake-${randomBytes(4).toString('hex')}`,
    ADMIN_TOKEN,
    SECRETS_KEY: randomBytes(32).toString('base64'),
    PUBLIC_BASE_URL: url,
    EGRESS_ALLOWLIST: '127.0.0.1,localhost',
    LOG_LEVEL: 'warn',
  });
  try {
    await connector.waitHttp(`${url}/health/ready`, 60000);
    const created = await fetch(`${url}/admin/v1/endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: ENDPOINT,
        name: 'Intake bench',
        bot: { callbackUrl: `${url}/nowhere`, callbackSecret: 'intake-bench-callback-secret-0123' },
        provider: {
          type: 'genesys-cloud-open-messaging',
          apiBaseUrl: emulator.url,
          loginBaseUrl: emulator.url,
          ...CLIENT,
          integrationId: INTEGRATION_ID,
          webhookSecret: WEBHOOK_SECRET,
        },
      }),
    });
    if (created.status !== 201) throw new Error(`endpoint not created: ${created.status} ${await created.text()}`);
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      channel: {
        id: INTEGRATION_ID,
        platform: 'Open',
        type: 'Private',
        messageId: id,
        to: { id: 'intake-customer', idType: 'Opaque' },
        from: { id: INTEGRATION_ID, idType: 'Opaque' },
        time: new Date().toISOString(),
      },
      type: 'Text',
      text: 'Hello from the intake bench',
      direction: 'Outbound',
      originatingEntity: 'Human',
    });
    const headers = { 'content-type': 'application/json', 'x-hub-signature-256': genesysSignature(WEBHOOK_SECRET, body) };
    const load = (duration: number) =>
      autocannon({
        url: `${url}/webhooks/genesys/${ENDPOINT}`,
        connections: CONNECTIONS,
        duration,
        timeout: 30,
        requests: [{ method: 'POST', headers, body }],
      });
    await load(2); // warm-up: JIT, caches
    const cpuBefore = connector.cpuSeconds();
    const result = await load(DURATION_S);
    const requests = result.requests.total;
    return {
      checkout,
      reqPerS: Math.round(requests / DURATION_S),
      non2xx: result.non2xx + result.errors + result.timeouts,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      cpuMsPerRequest: Number((((connector.cpuSeconds() - cpuBefore) * 1000) / requests).toFixed(3)),
    };
  } finally {
    await connector.stop();
  }
}

async function main(): Promise<void> {
  const checkouts = process.argv.length > 2 ? process.argv.slice(2).map((dir) => path.resolve(dir)) : [ROOT];
  const redis = await startRedis();
  const emulator = await GenesysEmulator.start({ port: 0, oauthClients: [CLIENT] });
  try {
    for (const checkout of checkouts) process.stdout.write(`${JSON.stringify(await measure(checkout, redis.url, emulator))}\n`);
  } finally {
    await emulator.close();
    await redis.child.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
