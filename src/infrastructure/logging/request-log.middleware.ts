import { randomUUID } from 'node:crypto';
import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Level, Logger as Pino } from 'pino';
import { PINO } from './app-logger';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * One line per request once it is answered: method, path, status, time and a request id (the caller's
 * X-Request-Id when well-formed, else a new one; echoed on the response). 5xx at error, 4xx at warn, the rest at
 * info, so at LOG_LEVEL=warn a successful request costs no log work. Headers and bodies are never logged: they
 * carry API keys, admin tokens, signatures and customer text.
 */
@Injectable()
export class RequestLogMiddleware implements NestMiddleware {
  constructor(@Inject(PINO) private readonly pino: Pino) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const header = req.headers['x-request-id'];
    const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', id);
    const started = performance.now();
    res.once('finish', () => {
      const level: Level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      if (!this.pino.isLevelEnabled(level) || (level === 'info' && QUIET_PATHS.has(req.path))) return;
      this.pino[level](
        {
          req: { id, method: req.method, url: req.originalUrl.split('?')[0] },
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - started),
        },
        'request completed',
      );
    });
    next();
  }
}
