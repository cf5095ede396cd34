import { writeFileSync } from 'node:fs';
import request from 'supertest';
import { DEFAULT_QUEUE_ID, GenesysEmulator, type EmulatorOptions } from '../../tools/emulators/genesys-cloud';
import { BotReceiver } from './bot-receiver';
import { createTestApp, TEST_ADMIN_TOKEN, TestApp } from './test-app';

export const WEBHOOK_SECRET = 'genesys-webhook-secret-0123456789';
export const CALLBACK_SECRET = 'bot-callback-secret-0123456789abcdef';
export const INTEGRATION_ID = '6a1b2c3d-0000-4000-8000-00000000abcd';

/**
 * The whole product on one machine: the connector (real Redis, BullMQ), the Genesys emulator over real HTTP and
 * WebSocket, and a recording bot; one endpoint wired between them through the admin API.
 */
export interface HandoverFixture {
  t: TestApp;
  emulator: GenesysEmulator;
  bot: BotReceiver;
  endpointId: string;
  apiKey: string;
  baseUrl: string;
  close(): Promise<void>;
}

export async function createHandoverFixture(
  options: {
    env?: Record<string, string>;
    handoverDefaults?: Record<string, unknown>;
    rateLimitPerMinute?: number;
    /** Emulator options; its threading timeline defaults to Genesys's 72 h. */
    emulator?: EmulatorOptions;
    /** The endpoint's `bot` settings instead of the recording bot's signed callback (e.g. Cognigy). */
    bot?: Record<string, unknown>;
  } = {},
): Promise<HandoverFixture> {
  const emulator = await GenesysEmulator.start({ webhookRetryDelayMs: 50, heartbeatIntervalMs: 1000, ...options.emulator });
  emulator.addOAuthClient({ clientId: 'connector-client', clientSecret: 'connector-client-secret' });
  const bot = await BotReceiver.start(CALLBACK_SECRET);
  const t = await createTestApp({ AGENT_LEFT_GRACE_MS: '300', ...options.env });
  const baseUrl = await t.app.getUrl().then((u) => u.replace('[::1]', '127.0.0.1'));
  const endpointId = 'acme-support';
  const created = await request(t.app.getHttpServer())
    .post('/admin/v1/endpoints')
    .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
    .send({
      id: endpointId,
      name: 'ACME support bot',
      bot: options.bot ?? { callbackUrl: bot.url, callbackSecret: CALLBACK_SECRET },
      provider: {
        type: 'genesys-cloud-open-messaging',
        apiBaseUrl: emulator.url,
        loginBaseUrl: emulator.url,
        clientId: 'connector-client',
        clientSecret: 'connector-client-secret',
        integrationId: INTEGRATION_ID,
        webhookSecret: WEBHOOK_SECRET,
        queueId: DEFAULT_QUEUE_ID,
        rateLimitPerMinute: options.rateLimitPerMinute ?? 100000,
      },
      handoverDefaults: {
        language: 'english',
        skills: ['escalation'],
        priority: 1,
        customAttributes: { region: 'Europe' },
        ...options.handoverDefaults,
      },
    });
  if (created.status !== 201) throw new Error(`Creating the endpoint failed: ${created.status} ${JSON.stringify(created.body)}`);
  emulator.addIntegration({
    id: INTEGRATION_ID,
    name: 'Bot connector',
    webhookUrl: `${baseUrl}/webhooks/genesys/${endpointId}`,
    webhookSecret: WEBHOOK_SECRET,
  });
  return {
    t,
    emulator,
    bot,
    endpointId,
    apiKey: created.body.apiKey as string,
    baseUrl,
    async close() {
      await t.close();
      await emulator.close();
      await bot.close();
    },
  };
}

/** An access token of an OAuth client of the emulator (the fixture's own client unless told), for calling it directly. */
export async function emulatorAccessToken(
  emulatorUrl: string,
  clientId = 'connector-client',
  clientSecret = 'connector-client-secret',
): Promise<string> {
  const res = await fetch(`${emulatorUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/**
 * Writes an ENDPOINTS_FILE with one endpoint wired to an emulator and a bot, for connectors started as child
 * processes. The API key is a `${variable}` reference, resolved from the child's environment at boot.
 */
export function writeEmulatorEndpointsFile(
  file: string,
  endpoint: {
    id: string;
    name: string;
    apiKeyVariable: string;
    botUrl: string;
    emulatorUrl: string;
    clientId: string;
    clientSecret: string;
  },
): void {
  writeFileSync(
    file,
    [
      'endpoints:',
      `  - id: ${endpoint.id}`,
      `    name: ${endpoint.name}`,
      `    apiKey: \${${endpoint.apiKeyVariable}}`,
      '    bot:',
      `      callbackUrl: ${endpoint.botUrl}`,
      `      callbackSecret: ${CALLBACK_SECRET}`,
      '    provider:',
      '      type: genesys-cloud-open-messaging',
      `      apiBaseUrl: ${endpoint.emulatorUrl}`,
      `      loginBaseUrl: ${endpoint.emulatorUrl}`,
      `      clientId: ${endpoint.clientId}`,
      `      clientSecret: ${endpoint.clientSecret}`,
      `      integrationId: ${INTEGRATION_ID}`,
      `      queueId: ${DEFAULT_QUEUE_ID}`,
      `      webhookSecret: ${WEBHOOK_SECRET}`,
      '      rateLimitPerMinute: 100000',
    ].join('\n'),
  );
}
