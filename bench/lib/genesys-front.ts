import http from 'node:http';
import type { AddressInfo } from 'node:net';

const RECEIPT_PATH = /^\/api\/v2\/conversations\/messages\/[^/]+\/inbound\/open\/receipt$/;

/**
 * What both systems see as the Genesys Cloud API in the bench: the emulator behind a pass-through proxy, except that
 * the Delivered receipts are answered here, as cheaply as the sink answers the bot callbacks.
 *
 * Why: the emulator is an Express app built to behave like Genesys, not to be cheap, and it shares the cores with the
 * system under test. A receipt cost it about 0.7 ms of CPU against 0.2 ms for a bare `node:http` handler (BENCHMARKS.md,
 * Method): work that real Genesys does on its own machines and that only the connector's agent→bot points paid.
 * `receiptsToEmulator` passes them to the emulator again, for the row that keeps the earlier method.
 *
 * A receipt answered here is still checked for what the connector must send: a bearer token, JSON with `id`,
 * `channel.to.id` and `status`. Anything else is counted as `rejected` and answered 400, as Genesys would.
 */
export class GenesysFront {
  receipts = 0;
  rejected = 0;
  receiptsToEmulator = false;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(emulatorUrl: string): Promise<GenesysFront> {
    const upstream = new URL(emulatorUrl);
    let front: GenesysFront | undefined;
    const server = http.createServer((req, res) => {
      if (req.method === 'POST' && RECEIPT_PATH.test(req.url ?? '') && !front!.receiptsToEmulator) front!.answerReceipt(req, res);
      else front!.forward(req, res, upstream);
    });
    server.keepAliveTimeout = 65000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    front = new GenesysFront(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return front;
  }

  private answerReceipt(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let receipt: { id?: unknown; status?: unknown; channel?: { to?: { id?: unknown } } } | undefined;
      try {
        receipt = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof receipt;
      } catch {
        receipt = undefined;
      }
      const valid =
        /^Bearer \S+$/.test(req.headers.authorization ?? '') &&
        typeof receipt?.id === 'string' &&
        typeof receipt.status === 'string' &&
        typeof receipt.channel?.to?.id === 'string';
      if (!valid) {
        this.rejected++;
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"code":"bad.request","status":400}');
        return;
      }
      this.receipts++;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: receipt!.id, type: 'Receipt', status: receipt!.status }));
    });
  }

  /** Passes the request through unchanged; Host names the emulator, so the channels' connectUri point at it directly. */
  private forward(req: http.IncomingMessage, res: http.ServerResponse, upstream: URL): void {
    const proxied = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: upstream.host },
        agent: this.agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    proxied.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(proxied);
  }

  close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
