/**
 * How a provider's API client retries a call in place before handing the failure to the relay's queue (which
 * retries with its own, longer backoff). Provider-neutral: any provider folder may use it.
 */
export interface RetryPolicy {
  /** Attempts in place (a client's token refresh after a 401, where it has one, is extra). */
  maxAttempts: number;
  /** Wall-clock budget for all attempts and waits of one call. */
  budgetMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Wait for a rate-limit slot in place when the wait is shorter than this; otherwise hand back to the queue. */
  maxRateLimitWaitMs: number;
}

export const DEFAULT_PROVIDER_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  budgetMs: 10_000,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxRateLimitWaitMs: 1_000,
};

/** 408, 429 and 5xx: the contact center may answer differently next time. */
export const isTransientStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** "Full jitter" exponential backoff: a random delay in [0, min(max, base·2^(attempt-1))]. */
export function jitteredBackoff(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
}
