import { randomUUID } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppConfig } from '../../config/app-config';
import { OutboundHttp } from '../../infrastructure/http/outbound-http';
import { RedisService } from '../../infrastructure/redis/redis.service';
import { ProviderRejectedError, ProviderThrottledError, ProviderUnavailableError } from '../provider-errors';
import { ProviderRateLimiter } from '../provider-rate-limiter';
import type { GenesysMulticloudCxSettings } from './genesys-multicloud-cx-settings';
import { McxEndpoint, NexusApiClient } from './nexus-api-client';
import { textBody } from './nexus-payloads';
import { verifyNexusSignature } from './nexus-signature';

const CHANNEL_SECRET = 'channel-secret-0123456789';
type Answer = (res: ServerResponse) => void;
const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  (res) =>
    void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

/** A local Nexus that records each request (headers, exact bytes) and answers from a script, then 200 status.code 0. */
class ScriptedNexus {
  private server!: Server;
  url = '';
  requests: { url?: string; headers: IncomingHttpHeaders; raw: Buffer }[] = [];
  script: Answer[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ url: req.url, headers: req.headers, raw: Buffer.concat(chunks) });
        (this.script.shift() ?? json(200, { status: { code: 0 }, data: { ids: [`${Date.now()}-0`] } }))(res);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/nexus/v3`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

describe('Nexus API client (a local Nexus over HTTP, the rate limit in real Redis)', () => {
  const nexus = new ScriptedNexus();
  const prefix = `hcu-${randomUUID().slice(0, 8)}`;
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'test',
    REDIS_PREFIX: prefix,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    EGRESS_ALLOWLIST: '127.0.0.1',
  });
  const redis = new RedisService(config);
  const http = new OutboundHttp(config);
  const client = new NexusApiClient(http, new ProviderRateLimiter(redis), { baseDelayMs: 10, maxDelayMs: 50, budgetMs: 3000 });
  const endpoint = (overrides: Partial<GenesysMulticloudCxSettings> = {}): McxEndpoint => ({
    id: `ep-${randomUUID().slice(0, 8)}`,
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
      type: 'genesys-multicloud-cx',
      apiBaseUrl: nexus.url,
      ccid: '0ff723ff-6c6f-44e0-9ce3-ce579337eadd',
      channelId: '0123456789',
      channelSecret: CHANNEL_SECRET,
      webhookSecret: CHANNEL_SECRET,
      customerIdMode: 'per-user',
      goodbyeText: 'bye',
      rateLimitPerMinute: 1000,
      ...overrides,
    },
  });
  const body = textBody('0123456789', 'u-42', 'Hello');

  beforeAll(async () => {
    await redis.onModuleInit();
    await nexus.start();
  });

  afterEach(() => {
    nexus.requests = [];
    nexus.script = [];
  });

  afterAll(async () => {
    await nexus.stop();
    await http.onApplicationShutdown();
    const keys = await redis.client.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.client.del(...keys);
    await redis.onApplicationShutdown();
  });

  it('posts one message to /channels/{channelId}/messages, signed over the exact bytes, with x-ccid and x-api-key', async () => {
    nexus.script = [json(200, { status: { code: 0 }, data: { ids: ['1613473893265-0'] } })];
    expect(await client.postMessage(endpoint({ apiKey: 'the-api-key' }), body, 'customer message')).toBe('1613473893265-0');
    const [request] = nexus.requests;
    expect(request.url).toBe('/nexus/v3/channels/0123456789/messages');
    expect(JSON.parse(request.raw.toString())).toEqual(body);
    expect(verifyNexusSignature(request.headers['x-hub-signature'], request.raw, [CHANNEL_SECRET])).toBe(true);
    expect(request.headers['x-ccid']).toBe('0ff723ff-6c6f-44e0-9ce3-ce579337eadd');
    expect(request.headers['x-api-key']).toBe('the-api-key');
    expect(request.headers['content-type']).toBe('application/json');
  });

  it('sends no x-api-key when none is set; status.code 1 (asynchronous success) counts as success', async () => {
    nexus.script = [json(200, { status: { code: 1 } })];
    expect(await client.postMessage(endpoint(), body, 'customer message')).toBeUndefined();
    expect(nexus.requests[0].headers['x-api-key']).toBeUndefined();
  });

  it('a 200 with any other status.code is a rejection (not retried)', async () => {
    nexus.script = [json(200, { status: { code: 2, message: 'partially failed' } })];
    await expect(client.postMessage(endpoint(), body, 'customer message')).rejects.toBeInstanceOf(ProviderRejectedError);
    nexus.script = [json(200, {})];
    await expect(client.postMessage(endpoint(), body, 'customer message')).rejects.toThrow('status.code none');
    expect(nexus.requests).toHaveLength(2);
  });

  it('retries 503 and 429 in place, honouring Retry-After, then succeeds', async () => {
    nexus.script = [json(503, {}), json(429, {}, { 'retry-after': '0' })];
    expect(await client.postMessage(endpoint(), body, 'customer message')).toMatch(/-0$/);
    expect(nexus.requests).toHaveLength(3);
    // The retried request is the same bytes, signed the same.
    expect(nexus.requests[2].raw.equals(nexus.requests[0].raw)).toBe(true);
  });

  it('hands a lasting 5xx to the queue as retryable, with a wait', async () => {
    nexus.script = [json(503, {}), json(503, {}), json(503, {}), json(503, {})];
    const err = await client.postMessage(endpoint(), body, 'customer message').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect((err as ProviderUnavailableError).retryAfterMs).toBeGreaterThan(0);
    expect(nexus.requests).toHaveLength(3);
  });

  it('a 400 or 401 is a rejection at once', async () => {
    nexus.script = [json(401, { status: { code: 401, message: 'bad signature' } })];
    await expect(client.postMessage(endpoint(), body, 'customer message')).rejects.toBeInstanceOf(ProviderRejectedError);
    expect(nexus.requests).toHaveLength(1);
  });

  it('keeps to the endpoint rate limit, shared by every client on the same Redis: past it, the call is deferred', async () => {
    const ep = endpoint({ rateLimitPerMinute: 2 });
    const other = new NexusApiClient(http, new ProviderRateLimiter(redis), { maxRateLimitWaitMs: 10 });
    await client.postMessage(ep, body, 'a');
    await other.postMessage(ep, body, 'b');
    const err = await other.postMessage(ep, body, 'c').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderThrottledError);
    expect((err as ProviderThrottledError).retryAfterMs).toBeGreaterThan(50_000);
    expect(nexus.requests).toHaveLength(2);
  });
});
