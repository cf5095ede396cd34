/** The delivery cannot succeed by retrying (4xx from the receiver, missing endpoint): dead-letter at once. */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
}

/**
 * Not a failure: wait `delayMs` and try the same entry again without using up an attempt
 * (our own rate limit for the endpoint, a handover not yet ready).
 */
export class DeferDeliveryError extends Error {
  override name = 'DeferDeliveryError';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** A transient failure whose sender told us how long to wait (Retry-After); uses up an attempt. */
export class RetryAfterError extends Error {
  override name = 'RetryAfterError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}
