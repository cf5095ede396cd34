import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';

export const MALFORMED_SYNTAX = 'The request could not be understood by the server due to malformed syntax.';

/** An error answered with the Genesys platform error body (`message`, `code`, `status`, `contextId`, …). */
export class GenesysApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  static badRequest(message: string = MALFORMED_SYNTAX): GenesysApiError {
    return new GenesysApiError(400, 'bad.request', message);
  }

  static notFound(message = 'The requested resource was not found.'): GenesysApiError {
    return new GenesysApiError(404, 'not.found', message);
  }
}

/** An error of the emulator's own control API (`{ message }`). */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendGenesysError(res: Response, status: number, code: string, message: string): void {
  const contextId = randomUUID();
  res.status(status).set('inin-correlation-id', contextId).json({ message, code, status, contextId, details: [], errors: [] });
}

export const genesysNotFound: RequestHandler = (_req, res) => {
  sendGenesysError(res, 404, 'not.found', 'The requested resource was not found.');
};

export const genesysErrorHandler: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  if (err instanceof GenesysApiError) return sendGenesysError(res, err.status, err.code, err.message);
  // body-parser failures (bad JSON, too large) carry their own status.
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return sendGenesysError(res, status, status === 413 ? 'request.entity.too.large' : 'bad.request', MALFORMED_SYNTAX);
  }
  sendGenesysError(res, 500, 'internal.server.error', 'The server encountered an unexpected condition.');
};

export const controlErrorHandler: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  if (err instanceof ControlError) {
    res.status(err.status).json({ message: err.message });
    return;
  }
  const status = (err as { status?: unknown }).status;
  res.status(typeof status === 'number' ? status : 500).json({ message: (err as Error).message });
};
