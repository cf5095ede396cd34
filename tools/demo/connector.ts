import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
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
export async function startConnector({ host, port, env, seedEnv }: ConnectorOptions): Promise<INestApplication> {
  const config = AppConfig.fromEnvironment({ ...env, PORT: String(port) });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config }), {
    rawBody: true,
    bufferLogs: true,
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
