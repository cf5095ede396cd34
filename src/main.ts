import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { APP_OPTIONS, configureApp, createHttpAdapter } from './app.setup';
import { AppConfig } from './config/app-config';
import { ConfigError } from './config/environment';

async function bootstrap(): Promise<void> {
  const config = AppConfig.fromEnvironment();
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ config }), createHttpAdapter(), APP_OPTIONS);
  configureApp(app);
  // Exit 0 once every shutdown hook ran (workers drained), instead of re-raising the signal.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  await app.listen(config.port);
  const logger = new Logger('Bootstrap');
  for (const name of config.insecureDefaults) {
    logger.warn(`${name} is not set: using an insecure development default (set it before going to production)`);
  }
  logger.log(`handover-connector listening on port ${config.port} (${config.publicBaseUrl})`);
}

bootstrap().catch((err: unknown) => {
  // Configuration and boot errors end the process with one clear line instead of a stack trace.
  const message = err instanceof ConfigError ? err.message : `Startup failed: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
