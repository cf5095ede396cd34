import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Endpoint } from '../../endpoints/endpoint.model';
import {
  EgressBlockedError,
  OutboundHttp,
  OutboundNetworkError,
  OutboundResponse,
  parseRetryAfter,
} from '../../infrastructure/http/outbound-http';
import { ProviderError, ProviderRejectedError, ProviderThrottledError, ProviderUnavailableError } from '../provider-errors';
import { ProviderRateLimiter } from '../provider-rate-limiter';
import { DEFAULT_PROVIDER_RETRY_POLICY, isTransientStatus, jitteredBackoff, RetryPolicy } from '../provider-retry';
import type { GenesysMulticloudCxSettings } from './genesys-multicloud-cx-settings';
import type { NexusAnswer, NexusRequestBody } from './nexus-payloads';
import { NEXUS_SIGNATURE_HEADER, nexusSignature } from './nexus-signature';

/** An endpoint whose provider is Genesys Multicloud CX. */
export type McxEndpoint = Endpoint<GenesysMulticloudCxSettings>;

export const NEXUS_RETRY_POLICY = Symbol('NEXUS_RETRY_POLICY');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Printable, one line, short: what of Nexus's own words may go into a log line. */
const loggable = (value: unknown) => (typeof value === 'string' ? value.replace(/[^\x20-\x7e]+/g, ' ').slice(0, 200) : '');

/**
 * Calls to one endpoint's Nexus Third-Party Messaging API: `POST {apiBaseUrl}/channels/{channelId}/messages`, the
 * exact bytes signed (`X-Hub-Signature: sha1=<hex>` with the channel secret), `x-ccid`, `x-api-key` when set. The
 * endpoint's rate limit is shared by every worker; 408/429/5xx, timeouts and network errors are retried in place
 * within a small budget, then handed to the caller's queue as a retryable ProviderError (with retryAfterMs). A 2xx
 * answer counts only with `status.code` 0 or 1; any other code is a rejection, its `status.message` logged.
 */
@Injectable()
export class NexusApiClient {
  private readonly logger = new Logger(NexusApiClient.name);
  private readonly policy: RetryPolicy;

  constructor(
    private readonly http: OutboundHttp,
    private readonly limiter: ProviderRateLimiter,
    @Optional() @Inject(NEXUS_RETRY_POLICY) policy?: Partial<RetryPolicy>,
  ) {
    this.policy = { ...DEFAULT_PROVIDER_RETRY_POLICY, ...policy };
  }

  /** Posts one message; answers the id Nexus gave it (`data.ids[0]`), when it gave one. */
  async postMessage(endpoint: McxEndpoint, body: NexusRequestBody, operation: string): Promise<string | undefined> {
    const raw = Buffer.from(JSON.stringify(body));
    const deadline = Date.now() + this.policy.budgetMs;
    for (let attempt = 1; ; attempt++) {
      await this.takeRateLimitSlot(endpoint, operation);
      let failure: ProviderError;
      try {
        const res = await this.send(endpoint.provider, raw);
        const outcome =
          res.status >= 200 && res.status < 300 ? this.accepted(endpoint, operation, res) : this.failed(endpoint, operation, res);
        if (!(outcome instanceof ProviderError)) return outcome.id;
        failure = outcome;
      } catch (err) {
        failure = fromTransport(operation, err);
      }
      if (!(failure instanceof ProviderUnavailableError)) throw failure;
      const delay = failure.retryAfterMs ?? jitteredBackoff(attempt, this.policy);
      if (attempt >= this.policy.maxAttempts || Date.now() + delay > deadline) {
        throw new ProviderUnavailableError(failure.message, {
          status: failure.status,
          retryAfterMs: failure.retryAfterMs ?? Math.max(delay, this.policy.baseDelayMs),
        });
      }
      await sleep(delay);
    }
  }

  private send(settings: GenesysMulticloudCxSettings, raw: Buffer): Promise<OutboundResponse> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-ccid': settings.ccid,
      [NEXUS_SIGNATURE_HEADER]: nexusSignature(settings.channelSecret, raw),
      'x-b3-traceid': randomBytes(16).toString('hex'),
    };
    if (settings.apiKey) headers['x-api-key'] = settings.apiKey;
    return this.http.request({
      method: 'POST',
      url: `${settings.apiBaseUrl}/channels/${encodeURIComponent(settings.channelId)}/messages`,
      headers,
      body: raw,
    });
  }

  /** A 2xx answer: the message's id when `status.code` says success, else the rejection. */
  private accepted(endpoint: McxEndpoint, operation: string, res: OutboundResponse): { id?: string } | ProviderError {
    const answer = res.json<NexusAnswer>();
    const code = answer?.status?.code;
    if (code === 0 || code === 1) {
      const ids = answer?.data?.ids;
      return { id: Array.isArray(ids) && typeof ids[0] === 'string' ? ids[0] : undefined };
    }
    const shown = typeof code === 'number' || typeof code === 'string' ? String(code).slice(0, 20) : 'none';
    this.logger.warn(
      `Nexus ${operation} for endpoint ${endpoint.id}: HTTP ${res.status} with status.code ${shown}: ${loggable(answer?.status?.message)}`,
    );
    return new ProviderRejectedError(`Nexus ${operation} answered status.code ${shown}`, { status: res.status });
  }

  private failed(endpoint: McxEndpoint, operation: string, res: OutboundResponse): ProviderError {
    const status = res.json<NexusAnswer>()?.status;
    const message = `Nexus ${operation} answered ${res.status}`;
    const options = { status: res.status, retryAfterMs: parseRetryAfter(res.headers['retry-after']) };
    if (isTransientStatus(res.status)) return new ProviderUnavailableError(message, options);
    this.logger.warn(`${message} for endpoint ${endpoint.id}: ${loggable(status?.message)}`);
    return new ProviderRejectedError(message, options);
  }

  private async takeRateLimitSlot(endpoint: McxEndpoint, operation: string): Promise<void> {
    const limit = endpoint.provider.rateLimitPerMinute;
    const waitMs = await this.limiter.acquire(`genesys-mcx:${endpoint.id}`, limit, { maxWaitMs: this.policy.maxRateLimitWaitMs });
    if (waitMs > 0) throw new ProviderThrottledError(`Nexus ${operation}: endpoint rate limit of ${limit}/min reached`, waitMs);
  }
}

/** A ProviderError for a call that got no answer; rethrows anything that is not a transport failure. */
function fromTransport(operation: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (err instanceof EgressBlockedError) return new ProviderRejectedError(`Nexus ${operation}: ${err.message}`);
  if (err instanceof OutboundNetworkError) return new ProviderUnavailableError(`Nexus ${operation}: ${err.message}`);
  throw err;
}
