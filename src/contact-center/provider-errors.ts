import { DeliveryFailure, DeliveryFailureOptions } from '../relay/delivery-errors';

/**
 * Thrown by providers for every failed call, in the relay's convention (delivery-errors.ts). The subclass says
 * which failure it is; `status` and `retryAfterMs` carry what the provider answered.
 */
export abstract class ProviderError extends DeliveryFailure {}

/** 429, 5xx, timeouts, network: worth retrying, after `retryAfterMs` when given. */
export class ProviderUnavailableError extends ProviderError {
  readonly disposition = 'retry';
}

/** 400, 401 after a token refresh, 403, 404, a misconfigured endpoint: retrying cannot help. */
export class ProviderRejectedError extends ProviderError {
  readonly disposition = 'give-up';
}

/** Our own per-endpoint rate limit is spent for now: not a failure, so the caller waits without using an attempt. */
export class ProviderThrottledError extends ProviderError {
  readonly disposition = 'defer';

  constructor(message: string, retryAfterMs: number) {
    super(message, { status: 429, retryAfterMs } satisfies DeliveryFailureOptions);
  }
}
