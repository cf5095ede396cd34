import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundHttp } from '../../infrastructure/http/outbound-http';
import { AppConfig } from '../../config/app-config';
import { ProviderError, ProviderThrottledError } from '../provider-errors';
import type { RetryPolicy } from '../provider-retry';
import { GenesysApiClient, GenesysEndpoint } from './genesys-api-client';
import { GenesysAuth } from './genesys-auth';
import type { ProviderRateLimiter } from '../provider-rate-limiter';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A local stand-in for login.* and api.*: each test scripts the answers. */
class ScriptedServer {
  private server!: Server;
  url = '';
  tokenRequests: { authorization?: string; body: string }[] = [];
  apiRequests: { method?: string; url?: string; authorization?: string; body: string }[] = [];
  token: Handler = (_req, _body, res) =>
    json(res, 200, { access_token: `tok-${this.tokenRequests.length}`, token_type: 'bearer', expires_in: 86400 });
  api: Handler = (_req, _body, res) => json(res, 200, { ok: true });

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.url === '/oauth/token') {
          this.tokenRequests.push({ authorization: req.headers.authorization, body });
          this.token(req, body, res);
        } else {
          this.apiRequests.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body });
          this.api(req, body, res);
        }
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function endpointFor(url: string, overrides: Partial<GenesysEndpoint['provider']> = {}): GenesysEndpoint {
  return {
    id: 'ep-1',
    name: 'test',
    bot: {},
    handoverDefaults: {
      skills: [],
      customAttributes: {},
      inactivityTimeoutSeconds: 0,
      queueTimeoutSeconds: 0,
      queueUpdateIntervalSeconds: 0,
    },
    createdAt: '',
    updatedAt: '',
    provider: {
      type: 'genesys-cloud-open-messaging',
      apiBaseUrl: url,
      loginBaseUrl: url,
      clientId: 'client-id',
      clientSecret: 'client-secret',
      integrationId: 'integration-1',
      webhookSecret: 'webhook-secret-0123456789',
      rateLimitPerMinute: 300,
      ...overrides,
    },
  };
}

const openLimiter = { acquire: async () => 0 } as unknown as ProviderRateLimiter;

describe('Genesys API client', () => {
  const server = new ScriptedServer();
  let http: OutboundHttp;

  beforeAll(async () => {
    await server.start();
    http = new OutboundHttp(AppConfig.fromEnvironment({ NODE_ENV: 'test', EGRESS_ALLOWLIST: '127.0.0.1', HTTP_TIMEOUT_MS: '500' }));
  });

  afterAll(async () => {
    await http.onApplicationShutdown();
    await server.stop();
  });

  beforeEach(() => {
    server.tokenRequests = [];
    server.apiRequests = [];
    server.token = (_req, _body, res) =>
      json(res, 200, { access_token: `tok-${server.tokenRequests.length}`, token_type: 'bearer', expires_in: 86400 });
    server.api = (_req, _body, res) => json(res, 200, { ok: true });
  });

  const clientWith = (policy: Partial<RetryPolicy> = {}, limiter = openLimiter) =>
    new GenesysApiClient(http, new GenesysAuth(http), limiter, { baseDelayMs: 10, maxDelayMs: 50, ...policy });

  describe('OAuth token cache', () => {
    it('asks for one token for 100 concurrent callers, with Basic auth and the client-credentials grant', async () => {
      server.token = (_req, _body, res) => setTimeout(() => json(res, 200, { access_token: 'tok-shared', expires_in: 86400 }), 50);
      const auth = new GenesysAuth(http);
      const credentials = endpointFor(server.url).provider;
      const tokens = await Promise.all(Array.from({ length: 100 }, () => auth.accessToken(credentials)));
      expect(new Set(tokens)).toEqual(new Set(['tok-shared']));
      expect(server.tokenRequests).toHaveLength(1);
      expect(server.tokenRequests[0]).toEqual({
        authorization: `Basic ${Buffer.from('client-id:client-secret').toString('base64')}`,
        body: 'grant_type=client_credentials',
      });
      await auth.accessToken(credentials);
      expect(server.tokenRequests).toHaveLength(1);
    });

    it('refreshes 60 s before expires_in, and at once when the secret changes', async () => {
      server.token = (_req, _body, res) => json(res, 200, { access_token: `tok-${server.tokenRequests.length}`, expires_in: 3600 });
      const auth = new GenesysAuth(http);
      let now = 1_000_000;
      auth.now = () => now;
      const credentials = endpointFor(server.url).provider;
      expect(await auth.accessToken(credentials)).toBe('tok-1');
      now += 3_539_000;
      expect(await auth.accessToken(credentials)).toBe('tok-1');
      now += 2_000;
      expect(await auth.accessToken(credentials)).toBe('tok-2');
      expect(await auth.accessToken({ ...credentials, clientSecret: 'rotated-secret' })).toBe('tok-3');
    });

    it('does not cache failures: bad credentials are a permanent error, the next call asks again', async () => {
      server.token = (_req, _body, res) => json(res, 401, { error: 'invalid_client', description: 'Client authentication failed' });
      const auth = new GenesysAuth(http);
      const credentials = endpointFor(server.url).provider;
      const err = await auth.accessToken(credentials).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ disposition: 'give-up', status: 401 });
      await auth.accessToken(credentials).catch(() => undefined);
      expect(server.tokenRequests).toHaveLength(2);
    });
  });

  it('sends the bearer token, query and JSON body to the API base URL', async () => {
    const res = await clientWith().call(endpointFor(server.url), {
      method: 'POST',
      path: '/api/v2/things',
      query: { prefetchConversationId: 'true' },
      body: { a: 1 },
      operation: 'test',
    });
    expect(res.status).toBe(200);
    expect(server.apiRequests[0]).toEqual({
      method: 'POST',
      url: '/api/v2/things?prefetchConversationId=true',
      authorization: 'Bearer tok-1',
      body: '{"a":1}',
    });
  });

  it('re-fetches the token once on 401, then gives up with a permanent error', async () => {
    server.api = (req, _body, res) =>
      req.headers.authorization === 'Bearer tok-1' ? json(res, 401, { code: 'bad.credentials' }) : json(res, 200, {});
    const client = clientWith();
    await client.call(endpointFor(server.url), { method: 'GET', path: '/api/v2/x', operation: 'test' });
    expect(server.tokenRequests).toHaveLength(2);
    expect(server.apiRequests.map((r) => r.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);

    server.api = (_req, _body, res) => json(res, 401, { code: 'bad.credentials' });
    const err = await client
      .call(endpointFor(server.url), { method: 'GET', path: '/api/v2/x', operation: 'test' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ disposition: 'give-up', status: 401, message: 'Genesys test answered 401 (bad.credentials)' });
  });

  it('retries 503 in place and succeeds', async () => {
    let calls = 0;
    server.api = (_req, _body, res) => (++calls < 3 ? json(res, 503, { code: 'service.unavailable' }) : json(res, 200, { done: true }));
    const res = await clientWith().call(endpointFor(server.url), { method: 'GET', path: '/api/v2/x', operation: 'test' });
    expect(res.json()).toEqual({ done: true });
    expect(calls).toBe(3);
  });

  it('honours Retry-After on 429 before retrying', async () => {
    let calls = 0;
    server.api = (_req, _body, res) =>
      ++calls === 1 ? json(res, 429, { code: 'too.many.requests' }, { 'retry-after': '1' }) : json(res, 200, {});
    const started = Date.now();
    await clientWith().call(endpointFor(server.url), { method: 'GET', path: '/api/v2/x', operation: 'test' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(calls).toBe(2);
  });

  it('hands a Retry-After longer than the budget back to the caller without waiting', async () => {
    server.api = (_req, _body, res) => json(res, 429, {}, { 'retry-after': '30' });
    const started = Date.now();
    const err = await clientWith()
      .call(endpointFor(server.url), { method: 'GET', path: '/api/v2/x', operation: 'test' })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(500);
    expect(err).toMatchObject({ disposition: 'retry', status: 429, retryAfterMs: 30000 });
    expect(server.apiRequests).toHaveLength(1);
  });

  it('throws a retryable error with retryAfterMs once the attempts are spent', async () => {
    server.api = (_req, _body, res) => json(res, 502, {});
    const err = await clientWith({ maxAttempts: 3 })
      .call(endpointFor(server.url), { method: 'GET', path: '/api/v2/x', operation: 'test' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ disposition: 'retry', status: 502 });
    expect((err as ProviderError).retryAfterMs).toBeGreaterThan(0);
    expect(server.apiRequests).toHaveLength(3);
  });

  it('retries timeouts, and reports them as retryable', async () => {
    server.api = () => undefined; // never answers; HTTP_TIMEOUT_MS is 500
    const err = await clientWith({ maxAttempts: 2 })
      .call(endpointFor(server.url), { method: 'GET', path: '/api/v2/x', operation: 'test' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ disposition: 'retry' });
    expect(server.apiRequests).toHaveLength(2);
  });

  it('does not retry permanent 4xx', async () => {
    server.api = (_req, _body, res) => json(res, 400, { code: 'bad.request', message: 'customer text echoed back' });
    const err = await clientWith()
      .call(endpointFor(server.url), { method: 'POST', path: '/api/v2/x', operation: 'inbound message' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ disposition: 'give-up', status: 400, message: 'Genesys inbound message answered 400 (bad.request)' });
    expect(server.apiRequests).toHaveLength(1);
  });

  it('defers to the queue when the endpoint rate limit asks for a long wait, without calling Genesys', async () => {
    const saturated = { acquire: async () => 4200 } as unknown as ProviderRateLimiter;
    const err = await clientWith({}, saturated)
      .call(endpointFor(server.url), { method: 'GET', path: '/api/v2/x', operation: 'test' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderThrottledError);
    expect(err).toMatchObject({ disposition: 'defer', status: 429, retryAfterMs: 4200 });
    expect(server.apiRequests).toHaveLength(0);
  });

  it('reports a forbidden API host as a permanent error', async () => {
    const strict = new OutboundHttp(AppConfig.fromEnvironment({ NODE_ENV: 'test', EGRESS_ALLOWLIST: '' }));
    try {
      const client = new GenesysApiClient(strict, new GenesysAuth(strict), openLimiter);
      const err = await client
        .call(endpointFor(server.url), { method: 'GET', path: '/api/v2/x', operation: 'test' })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ disposition: 'give-up' });
      expect(server.tokenRequests).toHaveLength(0);
    } finally {
      await strict.onApplicationShutdown();
    }
  });
});
