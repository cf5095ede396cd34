import http, { type ClientRequest } from 'node:http';
import https from 'node:https';

/*
 * Signed webhook deliveries with redelivery, shared by the emulators: each says how it signs (header and digest);
 * the rest (one delivery at a time per lane, the same bytes on every attempt, retries on timeouts, network errors,
 * 429 and 5xx, never on other 4xx) is the same for Genesys Cloud and Multicloud CX.
 */

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'skipped';

export interface DeliveryAttempt {
  at: string;
  status?: number;
  error?: string;
}

export interface DeliveryRecord {
  messageId: string;
  url?: string;
  state: DeliveryState;
  attempts: DeliveryAttempt[];
  /** The exact signature header value sent (same on every attempt). */
  signature?: string;
  reason?: string;
  /** What was wrong with the receiver's 2xx answers, when the emulator checks them (its contract checks). */
  violations?: string[];
}

export interface WebhookTarget {
  url: string;
  secret: string;
  headers: Record<string, string>;
}

export interface WebhookSigning {
  /** Lower-case header name. */
  header: string;
  sign(secret: string, body: Buffer): string;
}

export interface DispatcherOptions {
  retryDelayMs: number;
  maxRetries: number;
  timeoutMs: number;
  signing: WebhookSigning;
  /** Headers of every attempt besides the signature (e.g. a fresh trace id). */
  attemptHeaders?: () => Record<string, string>;
}

/** Faults of one delivery, for the tests of the receiver. */
export interface DeliveryFaults {
  /** Signed with another secret: the receiver must refuse it (and then the delivery fails). */
  wrongSignature?: boolean;
  /** Delivered once more after it succeeded: a redelivery the receiver must recognise. */
  duplicate?: boolean;
  /** Sent this much later, off its lane: deliveries queued after it may arrive first. */
  delayMs?: number;
}

export interface DeliveryOptions {
  faults?: DeliveryFaults;
  /** Checks a 2xx answer (status and body); a string is a contract violation, recorded on the delivery. */
  checkAnswer?: (status: number, body: string) => string | undefined;
}

interface AttemptOutcome {
  status?: number;
  error?: string;
  body?: string;
}

/** How much of an answer is kept for the contract checks. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Posts signed webhooks the way Genesys does: one delivery at a time per lane (conversation), retried with the same
 * bytes on timeout, network errors, 429 and 5xx, never on other 4xx.
 */
export class WebhookDispatcher {
  private lanes = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<ClientRequest>();
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private readonly offLane = new Set<Promise<void>>();
  /** Bumped by cancelAll(): deliveries of an older generation stop at their next step. */
  private generation = 0;
  private closed = false;

  constructor(
    private readonly options: DispatcherOptions,
    private readonly onUpdate: (lane: string, delivery: DeliveryRecord) => void,
  ) {}

  /** Queues a delivery; `delivery` is updated in place and reported through onUpdate as it progresses. */
  enqueue(lane: string, target: WebhookTarget | undefined, payload: object, delivery: DeliveryRecord, options: DeliveryOptions = {}): void {
    if (!target || this.closed) {
      delivery.state = 'skipped';
      delivery.reason = this.closed ? 'the emulator is closed' : 'the integration no longer exists';
      this.onUpdate(lane, delivery);
      return;
    }
    const body = Buffer.from(JSON.stringify(payload));
    delivery.url = target.url;
    const secret = options.faults?.wrongSignature ? `${target.secret}-but-wrong` : target.secret;
    delivery.signature = this.options.signing.sign(secret, body);
    const generation = this.generation;
    const run = () => this.deliver(generation, lane, target, body, delivery, options);
    const delayMs = options.faults?.delayMs;
    if (delayMs !== undefined) {
      const later: Promise<void> = this.sleep(delayMs)
        .then(run)
        .finally(() => this.offLane.delete(later));
      this.offLane.add(later);
      return;
    }
    const previous = this.lanes.get(lane) ?? Promise.resolve();
    const next = previous.then(run);
    this.lanes.set(lane, next);
    void next.finally(() => {
      if (this.lanes.get(lane) === next) this.lanes.delete(lane);
    });
  }

  /** Resolves once every queued delivery has succeeded, failed for good, or been cancelled. */
  async idle(): Promise<void> {
    while (this.lanes.size > 0 || this.offLane.size > 0) await Promise.all([...this.lanes.values(), ...this.offLane]);
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

  private async deliver(
    generation: number,
    lane: string,
    target: WebhookTarget,
    body: Buffer,
    delivery: DeliveryRecord,
    options: DeliveryOptions,
  ): Promise<void> {
    for (let attempt = 0; attempt <= this.options.maxRetries; attempt++) {
      if (attempt > 0) await this.sleep(this.options.retryDelayMs);
      if (generation !== this.generation) return;
      const delivered = await this.attempt(generation, target, body, delivery, options);
      if (delivered === undefined) return;
      if (delivered) {
        delivery.state = 'delivered';
        this.onUpdate(lane, delivery);
        // A redelivery of what already succeeded, as Genesys may send after a lost answer.
        if (options.faults?.duplicate && (await this.attempt(generation, target, body, delivery, options)) !== undefined) {
          this.onUpdate(lane, delivery);
        }
        return;
      }
      const last = delivery.attempts[delivery.attempts.length - 1];
      const retryable = last.status === undefined || last.status === 429 || last.status >= 500;
      if (!retryable) break;
      this.onUpdate(lane, delivery);
    }
    delivery.state = 'failed';
    this.onUpdate(lane, delivery);
  }

  /** One attempt, recorded: whether it got a 2xx answer (undefined once cancelled). */
  private async attempt(
    generation: number,
    target: WebhookTarget,
    body: Buffer,
    delivery: DeliveryRecord,
    options: DeliveryOptions,
  ): Promise<boolean | undefined> {
    const at = new Date().toISOString();
    const { body: answer, ...outcome } = await this.post(target, body, delivery.signature ?? '');
    if (generation !== this.generation) return undefined;
    delivery.attempts.push({ at, ...outcome });
    const ok = outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;
    const violation = ok ? options.checkAnswer?.(outcome.status as number, answer ?? '') : undefined;
    if (violation) (delivery.violations ??= []).push(violation);
    return ok;
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
          ...this.options.attemptHeaders?.(),
          'content-type': 'application/json',
          'content-length': body.length,
          [this.options.signing.header]: signature,
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
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('error', () => finish({ status: response.statusCode }));
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        response.on('end', () => finish({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
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
