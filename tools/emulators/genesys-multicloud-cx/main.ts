import { McxEmulator } from './emulator';
import type { McxEmulatorOptions } from './types';
import { closeOnSignals } from '../shared/close-on-signals';

/**
 * Standalone emulator (`npm run emulator:mcx`). Environment:
 *   EMULATOR_PORT (9091), EMULATOR_HOST (127.0.0.1),
 *   EMULATOR_WEBHOOK_RETRY_DELAY_MS, EMULATOR_WEBHOOK_MAX_RETRIES, EMULATOR_WEBHOOK_TIMEOUT_MS,
 *   a channel to seed: EMULATOR_CHANNEL_ID + EMULATOR_CCID + EMULATOR_CHANNEL_SECRET + EMULATOR_WEBHOOK_URL, optionally
 *   EMULATOR_INTERACTIONS_WEBHOOK_URL, EMULATOR_API_KEY, EMULATOR_ROUTING_URL + EMULATOR_ROUTING_TOKEN.
 */
function numberEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

function optionsFromEnv(): McxEmulatorOptions {
  const env = process.env;
  const seed = env.EMULATOR_CHANNEL_ID && env.EMULATOR_CCID && env.EMULATOR_CHANNEL_SECRET && env.EMULATOR_WEBHOOK_URL;
  return {
    port: numberEnv('EMULATOR_PORT') ?? 9091,
    host: env.EMULATOR_HOST || '127.0.0.1',
    webhookRetryDelayMs: numberEnv('EMULATOR_WEBHOOK_RETRY_DELAY_MS'),
    webhookMaxRetries: numberEnv('EMULATOR_WEBHOOK_MAX_RETRIES'),
    webhookTimeoutMs: numberEnv('EMULATOR_WEBHOOK_TIMEOUT_MS'),
    channels: seed
      ? [
          {
            channelId: env.EMULATOR_CHANNEL_ID as string,
            ccid: env.EMULATOR_CCID as string,
            requestSecret: env.EMULATOR_CHANNEL_SECRET as string,
            webhookUrl: env.EMULATOR_WEBHOOK_URL as string,
            interactionsWebhookUrl: env.EMULATOR_INTERACTIONS_WEBHOOK_URL,
            apiKey: env.EMULATOR_API_KEY,
            routingUrl: env.EMULATOR_ROUTING_URL,
            routingToken: env.EMULATOR_ROUTING_TOKEN,
          },
        ]
      : [],
  };
}

async function main(): Promise<void> {
  const emulator = await McxEmulator.start(optionsFromEnv());
  console.log(`Genesys Multicloud CX emulator listening on ${emulator.url}`);
  console.log(`  apiBaseUrl = ${emulator.apiBaseUrl}`);
  console.log(`  control API: ${emulator.url}/emulator/v1/state   live feed: ${emulator.url.replace(/^http/, 'ws')}/emulator/v1/live`);
  for (const channel of emulator.state().channels) console.log(`  channel ${channel.channelId} -> ${channel.webhookUrl}`);

  closeOnSignals(emulator, 'emulator');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
