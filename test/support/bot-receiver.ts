import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyStandardWebhook } from '../../src/bot/standard-webhooks';
import type { BotEvent } from '../../src/handover/domain/bot-events';

/**
 * A bot platform's callback endpoint: verifies the Standard Webhooks signature of every call, records the
 * accepted events, and can be told to fail (status codes or dropped connections) for a while.
 */
export class BotReceiver {
  readonly events: BotEvent[] = [];
  readonly attempts: { id: string; status: number }[] = [];
  invalidSignatures = 0;
  private failures: { remaining: number; status: number } | undefined;
  private failUntil = 0;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly secret: string,
  ) {}

  static async start(secret: string): Promise<BotReceiver> {
    let receiver: BotReceiver | undefined;
    const server = http.createServer((req, res) => receiver!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new BotReceiver(server, `http://127.0.0.1:${port}/handover-events`, secret);
    return receiver;
  }

  /** The next `count` calls answer `status`. */
  failNext(count: number, status = 503): void {
    this.failures = { remaining: count, status };
  }

  /** Every call answers 503 for `ms`. */
  failFor(ms: number): void {
    this.failUntil = Date.now() + ms;
  }

  forSession(sessionId: string): BotEvent[] {
    return this.events.filter((e) => e.sessionId === sessionId);
  }

  typesFor(sessionId: string): string[] {
    return this.forSession(sessionId).map((e) => e.type);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': req.headers['webhook-id'] as string | undefined,
        'webhook-timestamp': req.headers['webhook-timestamp'] as string | undefined,
        'webhook-signature': req.headers['webhook-signature'] as string | undefined,
      };
      const id = headers['webhook-id'] ?? '';
      if (!verifyStandardWebhook(this.secret, headers, body)) {
        this.invalidSignatures++;
        return this.answer(res, id, 401);
      }
      if (Date.now() < this.failUntil) return this.answer(res, id, 503);
      if (this.failures && this.failures.remaining > 0) {
        this.failures.remaining--;
        return this.answer(res, id, this.failures.status);
      }
      const event = JSON.parse(body) as BotEvent;
      if (event.id !== id) return this.answer(res, id, 400);
      this.events.push(event);
      this.answer(res, id, 204);
    });
  }

  private answer(res: http.ServerResponse, id: string, status: number): void {
    this.attempts.push({ id, status });
    res.statusCode = status;
    res.end();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
