import { STATUS_CODES } from 'node:http';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** Tells a storage outage (the caller should retry later) from other errors: RedisService.isUnavailable. */
export interface StorageHealth {
  isUnavailable(err: unknown): boolean;
}

/** The one error shape, for a status and a message. */
export function errorBody(status: number, message: string): { statusCode: number; error: string; message: string } {
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
}

/**
 * One error shape for every route: `{ statusCode, error, message }`. Redis outages answer 503 so that Genesys
 * and bots retry (never "200 and lost"); unexpected errors answer 500 without internals.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  constructor(private readonly storage: StorageHealth) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) return;

    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Fastify's own refusal of a body over BODY_LIMIT_BYTES, before any route ran.
      if (status === HttpStatus.PAYLOAD_TOO_LARGE) {
        reply.status(413).send(errorBody(413, 'Request body exceeds the 1 MiB limit'));
        return;
      }
      const body = exception.getResponse();
      // A string body: Fastify's own errors (a bad URL, a bad Content-Length), which Nest turns into HttpExceptions.
      reply.status(status).send(typeof body === 'string' ? errorBody(status, body) : body);
      return;
    }
    if (this.storage.isUnavailable(exception)) {
      this.logger.warn(`Storage unavailable: ${(exception as Error).message}`);
      reply.header('Retry-After', '5');
      reply.status(503).send(errorBody(503, 'Storage is unavailable; retry later'));
      return;
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    reply.status(500).send(errorBody(500, 'Internal server error'));
  }
}
