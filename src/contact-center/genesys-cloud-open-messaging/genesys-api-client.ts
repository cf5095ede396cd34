import { Inject, Injectable, Optional } from '@nestjs/common';
import { OutboundHttp, OutboundMethod, OutboundResponse } from '../../infrastructure/http/outbound-http';
import type { Endpoint } from '../../endpoints/endpoint.model';
import type { GenesysCloudOpenMessagingSettings } from './genesys-cloud-settings';
import { ProviderError, ProviderThrottledError, ProviderUnavailableError } from '../provider-errors';
import { GenesysAuth } from './genesys-auth';
import type { MessageConversation } from './genesys-types';
import { errorFromResponse, errorFromTransport } from './genesys-errors';
import { ProviderRateLimiter } from '../provider-rate-limiter';
import { DEFAULT_PROVIDER_RETRY_POLICY, jitteredBackoff, RetryPolicy } from '../provider-retry';

export const GENESYS_RETRY_POLICY = Symbol('GENESYS_RETRY_POLICY');

/** An endpoint whose provider is Genesys Cloud Open Messaging. */
export type GenesysEndpoint = Endpoint<GenesysCloudOpenMessagingSettings>;

export interface GenesysCall {
  method: OutboundMethod;
  /** Path under the API base URL, starting with /api/v2/. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Short name for errors and logs ("inbound message"). */
  operation: string;
  /** Overrides the policy's attempts (e.g. 1 for best-effort lookups). */
  maxAttempts?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Authenticated calls to one endpoint's Genesys Cloud API: the endpoint's shared rate limit, a bearer token
 * (refreshed once on 401), and in-place retries of 429/5xx/timeouts/network errors within a small budget.
 * When the budget is spent the error is a retryable ProviderError (with retryAfterMs) for the caller's queue.
 */
@Injectable()
export class GenesysApiClient {
  private readonly policy: RetryPolicy;

  constructor(
    private readonly http: OutboundHttp,
    private readonly auth: GenesysAuth,
    private readonly limiter: ProviderRateLimiter,
    @Optional() @Inject(GENESYS_RETRY_POLICY) policy?: Partial<RetryPolicy>,
  ) {
    this.policy = { ...DEFAULT_PROVIDER_RETRY_POLICY, ...policy };
  }

  /** Obtains (or reuses) the endpoint's OAuth token: a ProviderError tells why it cannot. */
  async accessToken(endpoint: GenesysEndpoint): Promise<void> {
    await this.auth.accessToken(endpoint.provider);
  }

  /** The answer of a 2xx call; any other outcome throws a ProviderError. */
  async call(endpoint: GenesysEndpoint, call: GenesysCall): Promise<OutboundResponse> {
    const settings = endpoint.provider;
    const maxAttempts = call.maxAttempts ?? this.policy.maxAttempts;
    const deadline = Date.now() + this.policy.budgetMs;
    let refreshedToken = false;
    for (let attempt = 1; ; attempt++) {
      await this.takeRateLimitSlot(endpoint, call.operation);
      let failure: ProviderError;
      try {
        const token = await this.auth.accessToken(settings);
        const res = await this.send(settings, call, token);
        if (res.status >= 200 && res.status < 300) return res;
        if (res.status === 401 && !refreshedToken) {
          refreshedToken = true;
          this.auth.invalidate(settings, token);
          attempt--;
          continue;
        }
        failure = errorFromResponse(call.operation, res);
      } catch (err) {
        failure = errorFromTransport(call.operation, err);
      }
      if (!(failure instanceof ProviderUnavailableError)) throw failure;
      const delay = failure.retryAfterMs ?? jitteredBackoff(attempt, this.policy);
      if (attempt >= maxAttempts || Date.now() + delay > deadline) {
        const retryAfterMs = failure.retryAfterMs ?? Math.max(delay, this.policy.baseDelayMs);
        throw new ProviderUnavailableError(failure.message, { status: failure.status, retryAfterMs });
      }
      await sleep(delay);
    }
  }

  /** `call` and parse the JSON answer (undefined when empty). */
  async json<T>(endpoint: GenesysEndpoint, call: GenesysCall): Promise<T | undefined> {
    return (await this.call(endpoint, call)).json<T>();
  }

  /** A messaging conversation with its participants, or undefined when Genesys does not know it. */
  async conversation(endpoint: GenesysEndpoint, conversationId: string): Promise<MessageConversation | undefined> {
    try {
      return await this.json<MessageConversation>(endpoint, {
        method: 'GET',
        path: `/api/v2/conversations/messages/${encodeURIComponent(conversationId)}`,
        operation: 'get conversation',
      });
    } catch (err) {
      if (err instanceof ProviderError && err.status === 404) return undefined;
      throw err;
    }
  }

  private async takeRateLimitSlot(endpoint: GenesysEndpoint, operation: string): Promise<void> {
    const waitMs = await this.limiter.acquire(`genesys:${endpoint.id}`, endpoint.provider.rateLimitPerMinute, {
      maxWaitMs: this.policy.maxRateLimitWaitMs,
    });
    if (waitMs > 0) {
      const limit = endpoint.provider.rateLimitPerMinute;
      throw new ProviderThrottledError(`Genesys ${operation}: endpoint rate limit of ${limit}/min reached`, waitMs);
    }
  }

  private send(settings: GenesysCloudOpenMessagingSettings, call: GenesysCall, token: string): Promise<OutboundResponse> {
    const query = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
    return this.http.request({
      method: call.method,
      url: `${settings.apiBaseUrl}${call.path}${query}`,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      json: call.body,
    });
  }
}
