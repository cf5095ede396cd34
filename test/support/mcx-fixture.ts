import { writeFileSync } from 'node:fs';
import request from 'supertest';
import { McxEmulator } from '../../tools/emulators/genesys-multicloud-cx';
import { BotReceiver } from './bot-receiver';
import { CALLBACK_SECRET } from './handover-fixture';
import { createTestApp, TEST_ADMIN_TOKEN, TestApp } from './test-app';

export const MCX_CHANNEL_ID = '0123456789';
export const MCX_CCID = '0ff723ff-6c6f-44e0-9ce3-ce579337eadd';
export const MCX_CHANNEL_SECRET = 'mcx-channel-secret-0123456789';
export const MCX_ROUTING_TOKEN = 'mcx-routing-token-0123456789abcdef';
export const MCX_API_KEY = 'mcx-api-key-0123456789';

/**
 * The whole product on one machine for Multicloud CX: the connector (real Redis, BullMQ), the Multicloud CX
 * emulator over real HTTP (its webhooks, Interactions webhook and Designer routing call aimed at the connector), and
 * a recording bot; one endpoint wired between them through the admin API.
 */
export interface McxFixture {
  t: TestApp;
  emulator: McxEmulator;
  bot: BotReceiver;
  endpointId: string;
  apiKey: string;
  baseUrl: string;
  close(): Promise<void>;
}

export interface McxFixtureOptions {
  env?: Record<string, string>;
  handoverDefaults?: Record<string, unknown>;
  provider?: Record<string, unknown>;
  /** Emulator redelivery delay (default 50 ms). */
  webhookRetryDelayMs?: number;
}

export async function createMcxFixture(options: McxFixtureOptions = {}): Promise<McxFixture> {
  const emulator = await McxEmulator.start({ webhookRetryDelayMs: options.webhookRetryDelayMs ?? 50, webhookMaxRetries: 50 });
  const bot = await BotReceiver.start(CALLBACK_SECRET);
  const t = await createTestApp({ ...options.env });
  const baseUrl = await t.app.getUrl().then((u) => u.replace('[::1]', '127.0.0.1'));
  const endpointId = 'acme-mcx';
  const created = await request(t.app.getHttpServer())
    .post('/admin/v1/endpoints')
    .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
    .send({
      id: endpointId,
      name: 'ACME Multicloud bot',
      bot: { callbackUrl: bot.url, callbackSecret: CALLBACK_SECRET },
      provider: {
        type: 'genesys-multicloud-cx',
        apiBaseUrl: emulator.apiBaseUrl,
        ccid: MCX_CCID,
        channelId: MCX_CHANNEL_ID,
        channelSecret: MCX_CHANNEL_SECRET,
        apiKey: MCX_API_KEY,
        routingToken: MCX_ROUTING_TOKEN,
        rateLimitPerMinute: 100000,
        ...options.provider,
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
  // What Genesys provisions for the third party: the channel, its webhooks, and the Designer application's call.
  emulator.addChannel({
    channelId: MCX_CHANNEL_ID,
    ccid: MCX_CCID,
    requestSecret: MCX_CHANNEL_SECRET,
    apiKey: MCX_API_KEY,
    webhookUrl: `${baseUrl}/webhooks/genesys-mcx/${endpointId}`,
    interactionsWebhookUrl: `${baseUrl}/webhooks/genesys-mcx/${endpointId}/interactions`,
    routingUrl: `${baseUrl}/webhooks/genesys-mcx/${endpointId}/routing-context`,
    routingToken: MCX_ROUTING_TOKEN,
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

/** An ENDPOINTS_FILE with one Multicloud CX endpoint wired to an emulator and a bot (API key from `apiKeyVariable`). */
export function writeMcxEndpointsFile(
  file: string,
  endpoint: { id: string; apiKeyVariable: string; botUrl: string; apiBaseUrl: string },
): void {
  writeFileSync(
    file,
    [
      'endpoints:',
      `  - id: ${endpoint.id}`,
      '    name: Multicloud CX endpoint',
      `    apiKey: \${${endpoint.apiKeyVariable}}`,
      '    bot:',
      `      callbackUrl: ${endpoint.botUrl}`,
      `      callbackSecret: ${CALLBACK_SECRET}`,
      '    provider:',
      '      type: genesys-multicloud-cx',
      `      apiBaseUrl: ${endpoint.apiBaseUrl}`,
      `      ccid: ${MCX_CCID}`,
      `      channelId: "${MCX_CHANNEL_ID}"`,
      `      channelSecret: ${MCX_CHANNEL_SECRET}`,
      `      routingToken: ${MCX_ROUTING_TOKEN}`,
      '      rateLimitPerMinute: 100000',
    ].join('\n'),
  );
}
