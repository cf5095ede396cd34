import { createHmac } from 'node:crypto';
import http, { type ClientRequest } from 'node:http';
import https from 'node:https';
import type { DeliveryRecord } from './types';

export interface WebhookTarget {
  url: string;
  secret: string;
  headers: Record<string, string>;
}

export interface DispatcherOptions {
  retryDelayMs: number;
  maxRetries: number;
  timeoutMs: number;
}

interface AttemptOutcome {
  status?: number;
  error?: string;
}

/** `X-Hub-Signature-256` value: base64 HMAC-SHA256 of the exact body bytes, `sha256=` prefixed. */
export function signWebhookBody(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`;
}

/**
 * Posts signed webhooks the way Genesys does: one delivery at a time per lane (conversation), retried with the same
 * bytes on timeout, network errors, 429 and 5xx, never on other 4xx.
 */
export class WebhookDispatcher {
  private lanes = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<ClientRequest>();
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  /** Bumped by cancelAll(): deliveries of an older generation stop at their next step. */
  private generation = 0;
  private closed = false;

  constructor(
    private readonly options: DispatcherOptions,
    private readonly onUpdate: (lane: string, delivery: DeliveryRecord) => void,
  ) {}

  /** Queues a delivery; `delivery` is updated in place and reported through onUpdate as it progresses. */
  enqueue(lane: string, target: WebhookTarget | undefined, payload: object, delivery: DeliveryRecord): void {
    if (!target || this.closed) {
      delivery.state = 'skipped';
      delivery.reason = this.closed ? 'the emulator is closed' : 'the integration no longer exists';
      this.onUpdate(lane, delivery);
      return;
    }
    const body = Buffer.from(JSON.stringify(payload));
    delivery.url = target.url;
    delivery.signature = signWebhookBody(target.secret, body);
    const generation = this.generation;
    const previous = this.lanes.get(lane) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(generation, lane, target, body, delivery));
    this.lanes.set(lane, next);
    void next.finally(() => {
      if (this.lanes.get(lane) === next) this.lanes.delete(lane);
    });
  }

  /** Resolves once every queued delivery has succeeded, failed for good, or been cancelled. */
  async idle(): Promise<void> {
    while (this.lanes.size > 0) await Promise.all([...this.lanes.values()]);
  }

  /** Cancels everything and accepts no more deliveries. */
  close(): void {
    this.closed = true;
    this.cancelAll();
  }

  /** Stops every pending delivery and retry now. */
  cancelAll(): void {
    this.generation += 1;
    this.lanes = new Map();
    for (const request of this.inFlight) request.destroy();
    for (const sleep of this.sleeps) {
      clearTimeout(sleep.timer);
      sleep.wake();
    }
    this.sleeps.clear();
  }

  private async deliver(generation: number, lane: string, target: WebhookTarget, body: Buffer, delivery: DeliveryRecord): Promise<void> {
    for (let attempt = 0; attempt <= this.options.maxRetries; attempt++) {
      if (attempt > 0) await this.sleep(this.options.retryDelayMs);
      if (generation !== this.generation) return;
      const at = new Date().toISOString();
      const outcome = await this.post(target, body, delivery.signature ?? '');
      if (generation !== this.generation) return;
      delivery.attempts.push({ at, ...outcome });
      if (outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300) {
        delivery.state = 'delivered';
        this.onUpdate(lane, delivery);
        return;
      }
      const retryable = outcome.status === undefined || outcome.status === 429 || outcome.status >= 500;
      if (!retryable) break;
      this.onUpdate(lane, delivery);
    }
    delivery.state = 'failed';
    this.onUpdate(lane, delivery);
  }

  private post(target: WebhookTarget, body: Buffer, signature: string): Promise<AttemptOutcome> {
    return new Promise((resolve) => {
      const url = new URL(target.url);
      const transport = url.protocol === 'https:' ? https : http;
      const request = transport.request(url, {
        method: 'POST',
        agent: false,
        headers: {
          ...target.headers,
          'content-type': 'application/json',
          'content-length': body.length,
          'x-hub-signature-256': signature,
        },
      });
      let settled = false;
      const finish = (outcome: AttemptOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(request);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        finish({ error: `timeout after ${this.options.timeoutMs} ms` });
        request.destroy();
      }, this.options.timeoutMs);
      this.inFlight.add(request);
      request.on('response', (response) => {
        response.on('error', () => undefined);
        response.resume();
        finish({ status: response.statusCode });
      });
      request.on('error', (err) => finish({ error: err.message }));
      request.end(body);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeps.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleeps.add(entry);
    });
  }
}
