import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
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
export class RequestLog {
  constructor(@Inject(PINO) private readonly pino: Pino) {}

  /** Adds the hooks to every route of the server (before routes and plugins are added: configureApp). */
  register(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (request, reply, done) => {
      const header = request.headers['x-request-id'];
      reply.header('x-request-id', typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID());
      done();
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      const status = reply.statusCode;
      const level: Level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      const url = request.url.split('?')[0];
      if (this.pino.isLevelEnabled(level) && !(level === 'info' && QUIET_PATHS.has(url))) {
        this.pino[level](
          {
            req: { id: reply.getHeader('x-request-id'), method: request.method, url },
            res: { statusCode: status },
            responseTime: Math.round(reply.elapsedTime),
          },
          'request completed',
        );
      }
      done();
    });
  }
}
