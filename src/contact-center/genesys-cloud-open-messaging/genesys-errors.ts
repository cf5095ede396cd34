import { EgressBlockedError, OutboundNetworkError, OutboundResponse, parseRetryAfter } from '../../infrastructure/http/outbound-http';
import { ProviderError, ProviderRejectedError, ProviderUnavailableError } from '../provider-errors';

export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/**
 * A ProviderError for a non-2xx Genesys answer. The message names the operation, the status and Genesys's
 * error `code` only: error bodies can echo request content, so their text is never copied.
 */
export function errorFromResponse(operation: string, res: OutboundResponse): ProviderError {
  const code = res.json<{ code?: unknown }>()?.code;
  const suffix = typeof code === 'string' && /^[\w.-]{1,80}$/.test(code) ? ` (${code})` : '';
  const message = `Genesys ${operation} answered ${res.status}${suffix}`;
  const options = { status: res.status, retryAfterMs: parseRetryAfter(res.headers['retry-after']) };
  return isRetryableStatus(res.status) ? new ProviderUnavailableError(message, options) : new ProviderRejectedError(message, options);
}

/** A ProviderError for a call that got no answer; rethrows anything that is not a transport failure. */
export function errorFromTransport(operation: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (err instanceof EgressBlockedError) return new ProviderRejectedError(`Genesys ${operation}: ${err.message}`);
  if (err instanceof OutboundNetworkError) return new ProviderUnavailableError(`Genesys ${operation}: ${err.message}`);
  throw err;
}
