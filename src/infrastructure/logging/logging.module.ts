import { DynamicModule, Module } from '@nestjs/common';
import pino, { DestinationStream } from 'pino';
import { AppConfig } from '../../config/app-config';
import { AppLogger, PINO } from './app-logger';
import { RequestLog } from './request-log';

/**
 * Structured JSON logs (pino) for the application and one line per HTTP request. No per-request logger or
 * async context: both cost every request CPU even when nothing is logged.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const logger = destination ? pino({ level: config.logLevel }, destination) : pino({ level: config.logLevel });
    return {
      module: LoggingModule,
      global: true,
      providers: [{ provide: PINO, useValue: logger }, AppLogger, RequestLog],
      exports: [PINO, AppLogger, RequestLog],
    };
  }
}
