import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

export const LIVE_FEED_PATH = '/emulator/v1/live';

/**
 * `GET /emulator/v1/live` as a WebSocket: a `snapshot` of the whole state on connect, then every change
 * as `{ type, at, ...change }` (what the demo's agent desk renders). Shared by the emulators.
 */
export class LiveFeed<State = unknown, Change extends object = object> {
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(private readonly snapshot: () => State) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if ((req.url ?? '').split('?')[0] !== LIVE_FEED_PATH) return false;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      ws.send(JSON.stringify({ type: 'snapshot', at: new Date().toISOString(), state: this.snapshot() }));
    });
    return true;
  }

  broadcast(change: Change): void {
    if (this.wss.clients.size === 0) return;
    const frame = JSON.stringify({ ...change, at: new Date().toISOString() });
    for (const ws of this.wss.clients) {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    }
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
