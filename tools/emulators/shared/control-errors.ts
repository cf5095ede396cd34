import type { ErrorRequestHandler, RequestHandler } from 'express';

/** An error of an emulator's own control API, answered `{ message }` with its status. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Control API errors as `{ message }`; body-parser errors keep their status. */
export const controlErrors: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  const status = (err as { status?: unknown }).status;
  res.status(typeof status === 'number' ? status : 500).json({ message: (err as Error).message });
};

/** The control API answers browsers of any origin (the demo page calls it). */
export const corsForBrowsers: RequestHandler = (req, res, next) => {
  res.set({
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
  });
  if (req.method === 'OPTIONS') {
    res.sendStatus(204);
    return;
  }
  next();
};
