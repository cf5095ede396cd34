import { GenesysEmulator } from './emulator';
import type { EmulatorOptions } from './types';
import { closeOnSignals } from '../shared/close-on-signals';

/**
 * Standalone emulator (`npm run emulator`). Environment:
 *   EMULATOR_PORT (9090), EMULATOR_HOST (127.0.0.1), EMULATOR_THREADING_TIMELINE_SECONDS, EMULATOR_HEARTBEAT_INTERVAL_MS,
 *   EMULATOR_WEBHOOK_RETRY_DELAY_MS, EMULATOR_WEBHOOK_MAX_RETRIES, EMULATOR_WEBHOOK_TIMEOUT_MS, EMULATOR_INBOUND_RECEIPTS,
 *   EMULATOR_CLIENT_ID + EMULATOR_CLIENT_SECRET (an OAuth client to seed),
 *   EMULATOR_INTEGRATION_ID + EMULATOR_WEBHOOK_URL + EMULATOR_WEBHOOK_SECRET (an Open Messaging integration to seed).
 */
function numberEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

function optionsFromEnv(): EmulatorOptions {
  const env = process.env;
  return {
    port: numberEnv('EMULATOR_PORT') ?? 9090,
    host: env.EMULATOR_HOST || '127.0.0.1',
    threadingTimelineSeconds: numberEnv('EMULATOR_THREADING_TIMELINE_SECONDS'),
    heartbeatIntervalMs: numberEnv('EMULATOR_HEARTBEAT_INTERVAL_MS'),
    webhookRetryDelayMs: numberEnv('EMULATOR_WEBHOOK_RETRY_DELAY_MS'),
    webhookMaxRetries: numberEnv('EMULATOR_WEBHOOK_MAX_RETRIES'),
    webhookTimeoutMs: numberEnv('EMULATOR_WEBHOOK_TIMEOUT_MS'),
    inboundReceiptWebhooks: env.EMULATOR_INBOUND_RECEIPTS === 'true',
    oauthClients:
      env.EMULATOR_CLIENT_ID && env.EMULATOR_CLIENT_SECRET
        ? [{ clientId: env.EMULATOR_CLIENT_ID, clientSecret: env.EMULATOR_CLIENT_SECRET }]
        : [],
    integrations:
      env.EMULATOR_WEBHOOK_URL && env.EMULATOR_WEBHOOK_SECRET
        ? [
            {
              id: env.EMULATOR_INTEGRATION_ID || undefined,
              webhookUrl: env.EMULATOR_WEBHOOK_URL,
              webhookSecret: env.EMULATOR_WEBHOOK_SECRET,
            },
          ]
        : [],
  };
}

async function main(): Promise<void> {
  const emulator = await GenesysEmulator.start(optionsFromEnv());
  const { integrations } = emulator.state();
  console.log(`Genesys Cloud emulator listening on ${emulator.url}`);
  console.log(`  loginBaseUrl = apiBaseUrl = ${emulator.url}`);
  console.log(`  control API: ${emulator.url}/emulator/v1/state   live feed: ${emulator.url.replace(/^http/, 'ws')}/emulator/v1/live`);
  for (const integration of integrations) {
    console.log(`  integration ${integration.id} -> ${integration.outboundNotificationWebhookUrl}`);
  }

  closeOnSignals(emulator, 'emulator');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
