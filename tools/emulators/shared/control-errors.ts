import type { ErrorRequestHandler } from 'express';

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
