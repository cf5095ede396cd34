import 'reflect-metadata';
import { ConfigError } from '../../src/config/environment';
import { DEMO_PROVIDERS, type DemoProvider, RedisUnavailableError, startDemo } from '.';

/**
 * `npm run demo [-- --provider genesys-cloud-open-messaging|genesys-multicloud-cx]`. Environment: DEMO_PROVIDER (the
 * same choice; the option wins), DEMO_PORT (8080, the playground), PORT (3000, the connector), EMULATOR_PORT (9090),
 * REDIS_URL, DEMO_REDIS_PREFIX (demo), LOG_LEVEL (error), ADMIN_TOKEN (random). Taken ports fall back to free ones.
 */
function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${name} must be a port number, got "${raw}"`);
  return port;
}

/** `--provider <type>` or `--provider=<type>`, else DEMO_PROVIDER, else Genesys Cloud. */
function providerFromArgs(args: string[]): DemoProvider {
  const at = args.findIndex((arg) => arg === '--provider' || arg.startsWith('--provider='));
  const raw = at < 0 ? process.env.DEMO_PROVIDER || DEMO_PROVIDERS[0] : args[at].includes('=') ? args[at].split('=')[1] : args[at + 1];
  const provider = DEMO_PROVIDERS.find((p) => p === raw);
  if (!provider) throw new ConfigError(`--provider must be one of ${DEMO_PROVIDERS.join(', ')}, got "${raw ?? ''}"`);
  return provider;
}

async function main(): Promise<void> {
  const provider = providerFromArgs(process.argv.slice(2));
  const demo = await startDemo({
    provider,
    port: portFromEnv('DEMO_PORT', 8080),
    connectorPort: portFromEnv('PORT', 3000),
    emulatorPort: portFromEnv('EMULATOR_PORT', 9090),
    redisUrl: process.env.REDIS_URL || undefined,
    redisPrefix: process.env.DEMO_REDIS_PREFIX || undefined,
    logLevel: process.env.LOG_LEVEL || undefined,
    adminToken: process.env.ADMIN_TOKEN || undefined,
  });
  process.stdout.write(`handover-connector demo (${provider}): open ${demo.url}  (Ctrl-C to stop)\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    demo.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`Demo shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const known = err instanceof RedisUnavailableError || err instanceof ConfigError;
  process.stderr.write(`${known ? (err as Error).message : `The demo could not start: ${(err as Error).message}`}\n`);
  process.exit(1);
});
