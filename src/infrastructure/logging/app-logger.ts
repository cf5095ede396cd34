import { Inject, Injectable, LoggerService } from '@nestjs/common';
import type { Level, Logger as Pino } from 'pino';

export const PINO = Symbol('PINO');

/**
 * Nest's LoggerService on pino: one JSON line per call, with Nest's context (the last string argument) as
 * `context`. `Logger.error(message, stack, context)` keeps the stack.
 */
@Injectable()
export class AppLogger implements LoggerService {
  constructor(@Inject(PINO) private readonly pino: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const context = params.length > 0 && typeof params[params.length - 1] === 'string' ? (params[params.length - 1] as string) : undefined;
    const bindings: Record<string, unknown> = context ? { context } : {};
    if (level === 'error' && params.length > 1 && typeof params[0] === 'string') bindings.stack = params[0];
    if (message instanceof Error) this.pino[level]({ ...bindings, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ ...bindings, ...message });
    else this.pino[level](bindings, String(message));
  }
}
