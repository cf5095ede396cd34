import type { Request, Response } from 'express';

const KEEP_ALIVE_MS = 15000;

interface Client {
  res: Response;
  /** Events published while the client's snapshot was being built; sent right after it. */
  backlog?: string[];
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The page's one live channel (Server-Sent Events): a `snapshot` first, then every published event. Events that
 * race with the snapshot are sent after it; the page applies them idempotently.
 */
export class LiveStream {
  private readonly clients = new Set<Client>();
  private readonly keepAlive: NodeJS.Timeout;

  constructor(private readonly snapshot: () => Promise<unknown>) {
    this.keepAlive = setInterval(() => this.broadcast(': keep-alive\n\n'), KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  async attach(req: Request, res: Response): Promise<void> {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive' });
    const client: Client = { res, backlog: [] };
    this.clients.add(client);
    req.on('close', () => this.clients.delete(client));
    try {
      res.write(frame('snapshot', await this.snapshot()));
    } catch (err) {
      res.write(frame('failure', { message: (err as Error).message }));
    }
    for (const pending of client.backlog ?? []) res.write(pending);
    client.backlog = undefined;
  }

  publish(event: string, data: unknown): void {
    this.broadcast(frame(event, data));
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const { res } of this.clients) res.end();
    this.clients.clear();
  }

  private broadcast(text: string): void {
    for (const client of this.clients) {
      if (client.backlog) client.backlog.push(text);
      else client.res.write(text);
    }
  }
}
