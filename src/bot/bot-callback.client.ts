import { Injectable } from '@nestjs/common';
import { EgressBlockedError, OutboundHttp, OutboundRequest, OutboundResponse, parseRetryAfter } from '../infrastructure/http/outbound-http';
import type { Endpoint } from '../endpoints/endpoint.model';
import { PermanentDeliveryError, RetryableDeliveryError } from '../relay/delivery-errors';
import type { BotCallbackEvent, BotRoute } from './bot-callback-event';
import { cognigyRequest } from './cognigy';
import { signStandardWebhook } from './standard-webhooks';

/**
 * Posts one event to the bot: a Standard Webhooks signed callback, or Cognigy's Notify/Inject APIs (cognigy.ts). Resolves on 2xx;
 * otherwise throws what the relay needs to decide: retry (network, timeouts, 408/425/429/5xx, honouring
 * Retry-After) or dead-letter at once (other 4xx, redirects, a refused egress).
 */
@Injectable()
export class BotCallbackClient {
  constructor(private readonly http: OutboundHttp) {}

  /** Delivers `event`; `route.cognigyUrlToken` picks another Cognigy Endpoint for this handover. */
  async send(endpoint: Endpoint, event: BotCallbackEvent, route: BotRoute = {}): Promise<void> {
    const request = this.buildRequest(endpoint, event, route);
    if (!request) return;
    let response: OutboundResponse;
    try {
      response = await this.http.request(request);
    } catch (err) {
      // Network errors and timeouts are retried as they are; a refused egress never heals by itself.
      if (err instanceof EgressBlockedError) throw new PermanentDeliveryError(err.message);
      throw err;
    }
    const { status } = response;
    if (status >= 200 && status < 300) return;
    const message = `Bot callback answered ${status}`;
    if (status === 408 || status === 425 || status === 429 || status >= 500) {
      const retryAfter = parseRetryAfter(response.headers['retry-after']);
      throw new RetryableDeliveryError(message, { status, retryAfterMs: retryAfter });
    }
    throw new PermanentDeliveryError(message, { status });
  }

  /** The request for the event, or undefined when this bot platform does not take such events. */
  private buildRequest(endpoint: Endpoint, event: BotCallbackEvent, route: BotRoute): OutboundRequest | undefined {
    const { callbackUrl, callbackSecret, cognigy } = endpoint.bot;
    if (cognigy) return cognigyRequest(cognigy, event, route.cognigyUrlToken);
    if (!callbackUrl || !callbackSecret) throw new PermanentDeliveryError(`Endpoint ${endpoint.id} has no bot callback configured`);
    const body = JSON.stringify(event);
    const timestamp = Math.floor(Date.now() / 1000);
    return {
      method: 'POST',
      url: callbackUrl,
      headers: {
        'content-type': 'application/json',
        'webhook-id': event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signStandardWebhook(callbackSecret, event.id, timestamp, body),
      },
      body,
    };
  }
}
