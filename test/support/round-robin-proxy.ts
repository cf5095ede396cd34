import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny load balancer in front of connector processes: each request goes to the next port in turn; a connection
 * refused or cut (a dead process) is retried on the next one, as a real balancer's passive health check does. The
 * connector's intake de-duplicates (bot message ids, provider event ids), so a retried POST is harmless.
 */
export class RoundRobinProxy {
  private next = 0;

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
    private readonly targets: number[],
  ) {}

  static async start(targets: number[], port = 0): Promise<RoundRobinProxy> {
    let proxy: RoundRobinProxy | undefined;
    const server = http.createServer((req, res) => proxy!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    proxy = new RoundRobinProxy(server, (server.address() as AddressInfo).port, targets);
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void this.forward(req, Buffer.concat(chunks), res));
  }

  private async forward(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> {
    for (let attempt = 0; attempt < 2 * this.targets.length; attempt++) {
      const port = this.targets[this.next++ % this.targets.length];
      const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer } | undefined>((resolve) => {
        const out = http.request(
          { host: '127.0.0.1', port, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${port}` } },
          (upstream) => {
            const parts: Buffer[] = [];
            upstream.on('data', (c: Buffer) => parts.push(c));
            upstream.on('end', () =>
              resolve({ status: upstream.statusCode ?? 502, headers: upstream.headers, body: Buffer.concat(parts) }),
            );
            upstream.on('error', () => resolve(undefined));
          },
        );
        out.on('error', () => resolve(undefined));
        out.end(body);
      });
      if (!answer) continue;
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      return;
    }
    res.writeHead(502).end();
  }
}
