import { Injectable } from '@nestjs/common';
import { EgressBlockedError, OutboundHttp, OutboundRequest, OutboundResponse, parseRetryAfter } from '../infrastructure/http/outbound-http';
import type { Endpoint } from '../endpoints/endpoint.model';
import { PermanentDeliveryError, RetryableDeliveryError } from '../relay/delivery-errors';
import { signStandardWebhook } from './standard-webhooks';

/** What the transport needs of an event for the bot; the events themselves are the handover's (bot-events.ts). */
export interface BotCallbackEvent {
  /** Stable across retries: the Standard Webhooks `webhook-id`. */
  id: string;
  type: string;
  userId: string;
  sessionId: string;
  data: unknown;
}

/**
 * Posts one event to the bot: a Standard Webhooks signed callback, or Cognigy's Notify API. Resolves on 2xx;
 * otherwise throws what the relay needs to decide: retry (network, timeouts, 408/425/429/5xx, honouring
 * Retry-After) or dead-letter at once (other 4xx, redirects, a refused egress).
 */
@Injectable()
export class BotCallbackClient {
  constructor(private readonly http: OutboundHttp) {}

  async send(endpoint: Endpoint, event: BotCallbackEvent): Promise<void> {
    let response: OutboundResponse;
    try {
      response = await this.http.request(this.buildRequest(endpoint, event));
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

  private buildRequest(endpoint: Endpoint, event: BotCallbackEvent): OutboundRequest {
    const { callbackUrl, callbackSecret, cognigy } = endpoint.bot;
    if (cognigy) {
      // Cognigy Notify: the agent's text is the user-facing output; the whole event rides in `data`.
      const text = event.type === 'agent.message' ? (event.data as { text?: string }).text : undefined;
      const body = {
        userId: event.userId,
        sessionId: event.sessionId,
        text,
        data: { handover: event },
        ...(cognigy.apiKey ? { URLToken: cognigy.urlToken } : {}),
      };
      return {
        method: 'POST',
        url: cognigy.notifyUrl,
        headers: cognigy.apiKey ? { 'x-api-key': cognigy.apiKey } : {},
        json: body,
      };
    }
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
