import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkEvent {
  type?: string;
  sessionId?: string;
  text?: string;
  data?: { text?: string };
}

/**
 * The bot side for both the connector and the baseline: accepts every POST with 204 and hands the parsed body to
 * `onEvent`. Signatures are not verified (cheap on purpose: the sink shares the machine with the system under test).
 */
export class Sink {
  received = 0;
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(onEvent: (event: SinkEvent) => void): Promise<Sink> {
    let sink: Sink | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        sink!.received++;
        res.statusCode = 204;
        res.end();
        try {
          onEvent(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SinkEvent);
        } catch {
          // not JSON: ignored
        }
      });
    });
    server.keepAliveTimeout = 65000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sink = new Sink(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`);
    return sink;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
