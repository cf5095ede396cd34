import * as http from 'http';
import type { AddressInfo } from 'net';
import type { FlowContext } from '../../src/lib/state';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (the raw text when it is not JSON). */
  body: FlowContext;
  rawBody: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

/**
 * A real HTTP server on 127.0.0.1 (a free port) that stands in for the connector: it records every request and
 * answers with the reply queued for it, or the default reply.
 */
export async function startFakeConnector() {
  const requests: RecordedRequest[] = [];
  const queue: Reply[] = [];
  let fallback: Reply = { status: 202, body: {} };
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: FlowContext;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = rawBody as unknown as FlowContext;
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, rawBody });
      const reply = queue.shift() ?? fallback;
      if (reply.hang) {
        hanging.add(res);
        return;
      }
      const payload = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, payload ? { 'content-type': 'application/json' } : {});
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    /** The next requests get these replies, in order. */
    reply: (...replies: Reply[]) => queue.push(...replies),
    replyByDefault: (reply: Reply) => {
      fallback = reply;
    },
    reset: () => {
      requests.length = 0;
      queue.length = 0;
      fallback = { status: 202, body: {} };
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeConnector = Awaited<ReturnType<typeof startFakeConnector>>;

/** A base URL where nothing listens: a port taken from the OS and released again. */
export async function unreachableBaseUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
