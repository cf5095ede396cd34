import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppConfig } from '../../config/app-config';
import { EgressBlockedError, OutboundHttp, OutboundNetworkError, OutboundTimeoutError, parseRetryAfter } from './outbound-http';

function client(env: Record<string, string> = {}): OutboundHttp {
  return new OutboundHttp(AppConfig.fromEnvironment({ NODE_ENV: 'test', EGRESS_ALLOWLIST: '127.0.0.1', ...env }));
}

describe('OutboundHttp', () => {
  let server: Server;
  let base: string;
  let port: number;
  const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (req.url === '/redirect') {
          res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
        } else if (req.url === '/hang') {
          // never answers; the client's deadline must fire
        } else if (req.url === '/trickle') {
          // headers at once, then a body byte every 50 ms for ever: only a whole-request deadline stops it
          res.writeHead(200, { 'content-type': 'text/plain' });
          const drip = setInterval(() => res.write('.'), 50);
          res.on('close', () => clearInterval(drip));
        } else if (req.url === '/text') {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('plain');
        } else {
          res.writeHead(201, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] }).end(JSON.stringify({ ok: true }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends JSON and returns status, flattened headers, text and parsed JSON', async () => {
    const http = client();
    try {
      const res = await http.request({ method: 'POST', url: `${base}/echo?a=1`, headers: { 'X-Test': 'yes' }, json: { hello: 'world' } });
      expect(res.status).toBe(201);
      expect(res.headers['x-multi']).toBe('a, b');
      expect(res.json()).toEqual({ ok: true });
      const last = seen[seen.length - 1];
      expect(last).toMatchObject({ method: 'POST', url: '/echo?a=1', body: '{"hello":"world"}' });
      expect(last.headers['content-type']).toBe('application/json');
      expect(last.headers['x-test']).toBe('yes');
      const text = await http.request({ method: 'GET', url: `${base}/text` });
      expect(text.text).toBe('plain');
      expect(text.json()).toBeUndefined();
    } finally {
      await http.onApplicationShutdown();
    }
  });

  it('does not follow redirects', async () => {
    const http = client();
    try {
      const res = await http.request({ method: 'GET', url: `${base}/redirect` });
      expect(res.status).toBe(302);
      expect(res.headers.location).toContain('169.254.169.254');
    } finally {
      await http.onApplicationShutdown();
    }
  });

  it.each([
    ['the server does not answer', '/hang'],
    ['the body never ends (the deadline covers the whole request)', '/trickle'],
  ])('fails with a timeout error in time when %s', async (_case, path) => {
    const http = client();
    try {
      const started = Date.now();
      await expect(http.request({ method: 'GET', url: `${base}${path}`, timeoutMs: 300 })).rejects.toBeInstanceOf(OutboundTimeoutError);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await http.onApplicationShutdown();
    }
  });

  it('fails with a network error when nothing listens', async () => {
    const http = client();
    const idle = createServer();
    await new Promise<void>((r) => idle.listen(0, '127.0.0.1', r));
    const closedPort = (idle.address() as AddressInfo).port;
    await new Promise((r) => idle.close(r));
    try {
      const err = await http.request({ method: 'GET', url: `http://127.0.0.1:${closedPort}/` }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OutboundNetworkError);
      expect((err as OutboundNetworkError).kind).toBe('network');
    } finally {
      await http.onApplicationShutdown();
    }
  });

  describe('SSRF guard', () => {
    it('refuses loopback IP literals that are not allow-listed, before any byte is sent', async () => {
      const http = client({ EGRESS_ALLOWLIST: '' });
      const before = seen.length;
      try {
        await expect(http.request({ method: 'GET', url: `${base}/echo` })).rejects.toBeInstanceOf(EgressBlockedError);
        expect(() => http.assertAllowedUrl(`${base}/echo`)).toThrow(EgressBlockedError);
        expect(seen.length).toBe(before);
      } finally {
        await http.onApplicationShutdown();
      }
    });

    it('refuses names that resolve to forbidden addresses (checked after DNS, at connect time)', async () => {
      const http = client({ EGRESS_ALLOWLIST: '' });
      try {
        await expect(http.request({ method: 'GET', url: `http://localhost:${port}/echo` })).rejects.toBeInstanceOf(EgressBlockedError);
      } finally {
        await http.onApplicationShutdown();
      }
    });

    it('allows a listed host name', async () => {
      const http = client({ EGRESS_ALLOWLIST: 'localhost' });
      try {
        const res = await http.request({ method: 'GET', url: `http://localhost:${port}/echo` });
        expect(res.status).toBe(201);
      } finally {
        await http.onApplicationShutdown();
      }
    });

    it('exposes a guarded dns lookup for other clients (single and all addresses)', async () => {
      const http = client({ EGRESS_ALLOWLIST: '127.0.0.1' });
      try {
        const single = await new Promise<[Error | null, unknown, number | undefined]>((resolve) =>
          http.lookup('localhost', { family: 4 }, (err, address, family) => resolve([err, address, family])),
        );
        expect(single).toEqual([null, '127.0.0.1', 4]);
        const all = await new Promise<[Error | null, unknown]>((resolve) =>
          http.lookup('localhost', { family: 4, all: true }, (err, addresses) => resolve([err, addresses])),
        );
        expect(all).toEqual([null, [{ address: '127.0.0.1', family: 4 }]]);
      } finally {
        await http.onApplicationShutdown();
      }
      const strict = client({ EGRESS_ALLOWLIST: '' });
      try {
        const blocked = await new Promise<Error | null>((resolve) => strict.lookup('localhost', { family: 4 }, (err) => resolve(err)));
        expect(blocked).toBeInstanceOf(EgressBlockedError);
      } finally {
        await strict.onApplicationShutdown();
      }
    });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T10:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });

  it('reads HTTP dates relative to now, never negative', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 09:59:00 GMT', now)).toBe(0);
  });

  it('ignores absent or malformed values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
