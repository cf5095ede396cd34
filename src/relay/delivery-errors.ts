/**
 * The one convention by which every delivery client (bot callbacks, contact-center providers) tells the relay what
 * to do about a failure: its `disposition`. Any other error counts as `retry`, BullMQ's UnrecoverableError as
 * `give-up`.
 * - `retry`: a transient failure; retried with backoff and jitter, never sooner than `retryAfterMs`; uses an attempt.
 * - `give-up`: retrying cannot help (4xx from the receiver, a missing endpoint); dead-lettered at once.
 * - `defer`: not a failure (our own rate limit, a handover not yet ready); the same entry is tried again after
 *   `retryAfterMs` without using an attempt.
 */
export type Disposition = 'retry' | 'give-up' | 'defer';

export interface DeliveryFailureOptions {
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** How long to wait before the next try (Retry-After, or our own rate limit's wait). */
  retryAfterMs?: number;
}

/** Base of every error that carries a disposition; subclasses only fix it. */
export abstract class DeliveryFailure extends Error {
  abstract readonly disposition: Disposition;
  readonly status?: number;
  readonly retryAfterMs?: number;

  constructor(message: string, options: DeliveryFailureOptions = {}) {
    super(message);
    this.name = new.target.name;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export class RetryableDeliveryError extends DeliveryFailure {
  readonly disposition = 'retry';
}

export class PermanentDeliveryError extends DeliveryFailure {
  readonly disposition = 'give-up';
}

export class DeferDeliveryError extends DeliveryFailure {
  readonly disposition = 'defer';

  constructor(message: string, delayMs: number) {
    super(message, { retryAfterMs: delayMs });
  }
}
