import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';

/** Tells a storage outage (the caller should retry later) from other errors: RedisService.isUnavailable. */
export interface StorageHealth {
  isUnavailable(err: unknown): boolean;
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
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;

    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      res.status(status).json(typeof body === 'string' ? { statusCode: status, error: exception.name, message: body } : body);
      return;
    }
    // body-parser's own error, raised before Nest routing.
    if ((exception as { status?: number })?.status === HttpStatus.PAYLOAD_TOO_LARGE) {
      res.status(413).json({ statusCode: 413, error: 'Payload Too Large', message: 'Request body exceeds the 1 MiB limit' });
      return;
    }
    if (this.storage.isUnavailable(exception)) {
      this.logger.warn(`Storage unavailable: ${(exception as Error).message}`);
      res.setHeader('Retry-After', '5');
      res.status(503).json({ statusCode: 503, error: 'Service Unavailable', message: 'Storage is unavailable; retry later' });
      return;
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    res.status(500).json({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' });
  }
}
