import { DynamicModule, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import pino, { DestinationStream } from 'pino';
import { AppConfig } from '../../config/app-config';
import { AppLogger, PINO } from './app-logger';
import { RequestLogMiddleware } from './request-log.middleware';

/**
 * Structured JSON logs (pino) for the application and one line per HTTP request. No per-request logger or
 * async context: both cost every request CPU even when nothing is logged.
 */
@Module({})
export class LoggingModule implements NestModule {
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const logger = destination ? pino({ level: config.logLevel }, destination) : pino({ level: config.logLevel });
    return {
      module: LoggingModule,
      global: true,
      providers: [{ provide: PINO, useValue: logger }, AppLogger, RequestLogMiddleware],
      exports: [PINO, AppLogger],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestLogMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
