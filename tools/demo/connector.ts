import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/app.module';
import { APP_OPTIONS, configureApp, createHttpAdapter } from '../../src/app.setup';
import { AppConfig } from '../../src/config/app-config';

export interface ConnectorOptions {
  host: string;
  port: number;
  /** Environment of the connector (PORT, REDIS_URL, …), as AppConfig.fromEnvironment reads it. */
  env: Record<string, string>;
  /** The `${NAME}` values ENDPOINTS_FILE refers to; set in process.env only while the endpoints are seeded. */
  seedEnv: Record<string, string>;
}

async function withProcessEnv<T>(values: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** The real connector, wired as main.ts wires it, listening on `host:port`. */
export async function startConnector({ host, port, env, seedEnv }: ConnectorOptions): Promise<NestFastifyApplication> {
  const config = AppConfig.fromEnvironment({ ...env, PORT: String(port) });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ config }), createHttpAdapter(), {
    ...APP_OPTIONS,
    abortOnError: false,
  });
  configureApp(app);
  try {
    // The endpoints seeder runs during listen() (application bootstrap).
    await withProcessEnv(seedEnv, () => app.listen(port, host));
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}
