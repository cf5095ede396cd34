import 'reflect-metadata';
import { ConfigError } from '../../src/config/environment';
import { RedisUnavailableError, startDemo } from '.';

/**
 * `npm run demo`. Environment: DEMO_PORT (8080, the playground), PORT (3000, the connector), EMULATOR_PORT (9090),
 * REDIS_URL, DEMO_REDIS_PREFIX (demo), LOG_LEVEL (error), ADMIN_TOKEN (random). Taken ports fall back to free ones.
 */
function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${name} must be a port number, got "${raw}"`);
  return port;
}

async function main(): Promise<void> {
  const demo = await startDemo({
    port: portFromEnv('DEMO_PORT', 8080),
    connectorPort: portFromEnv('PORT', 3000),
    emulatorPort: portFromEnv('EMULATOR_PORT', 9090),
    redisUrl: process.env.REDIS_URL || undefined,
    redisPrefix: process.env.DEMO_REDIS_PREFIX || undefined,
    logLevel: process.env.LOG_LEVEL || undefined,
    adminToken: process.env.ADMIN_TOKEN || undefined,
  });
  process.stdout.write(`handover-connector demo: open ${demo.url}  (Ctrl-C to stop)\n`);

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
