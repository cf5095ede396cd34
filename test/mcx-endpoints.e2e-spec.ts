import { createHmac, randomBytes } from 'node:crypto';
import request from 'supertest';
import { EndpointsService } from '../src/endpoints/endpoints.service';
import type { McxEndpoint } from '../src/contact-center/genesys-multicloud-cx/nexus-api-client';
import { createTestApp, TEST_ADMIN_TOKEN, TestApp } from './support/test-app';
import { RedisKeys } from '../src/infrastructure/redis/redis-keys';

const BASE = '/admin/v1/endpoints';
/** Secrets unique to this run, so finding one anywhere can only mean it leaked. */
const secret = (label: string) => `${label}-${randomBytes(18).toString('base64url')}`;
const sha1hex = (key: string, raw: string) => `sha1=${createHmac('sha1', key).update(raw).digest('hex')}`;

function mcxBody(id: string, provider: Record<string, unknown> = {}) {
  return {
    id,
    bot: { callbackUrl: 'https://bot.example.test/handover-events', callbackSecret: secret('cb') },
    provider: {
      type: 'genesys-multicloud-cx',
      apiBaseUrl: 'https://digital.api01-westus2.prod001.genesysengage.com/nexus/v3',
      ccid: '0ff723ff-6c6f-44e0-9ce3-ce579337eadd',
      channelId: '0123456789',
      channelSecret: secret('channel'),
      ...provider,
    },
  };
}

describe('admin API: Genesys Multicloud CX endpoints', () => {
  let t: TestApp;
  const admin = () => ({
    post: (body: unknown) =>
      request(t.app.getHttpServer())
        .post(BASE)
        .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
        .send(body as object),
    patch: (id: string, body: unknown) =>
      request(t.app.getHttpServer())
        .patch(`${BASE}/${id}`)
        .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
        .send(body as object),
    get: (id: string) => request(t.app.getHttpServer()).get(`${BASE}/${id}`).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`),
  });
  const variables = {
    HC_TEST_MCX_API_KEY: `hck_${randomBytes(32).toString('base64url')}`,
    HC_TEST_MCX_CALLBACK_SECRET: secret('seed-cb'),
    HC_TEST_MCX_CHANNEL_SECRET: secret('seed-channel'),
    HC_TEST_MCX_ROUTING_TOKEN: secret('seed-routing-token'),
  };

  beforeAll(async () => {
    Object.assign(process.env, variables);
    t = await createTestApp({ ENDPOINTS_FILE: 'test/fixtures/endpoints-mcx.yaml', WEBHOOK_SECRET_GRACE_SECONDS: '3600' });
  });

  afterAll(async () => {
    for (const name of Object.keys(variables)) delete process.env[name];
    await t.close();
  });

  it('creates one: 201, defaults applied, no secret in the answer, its configUrl, an API key', async () => {
    const secrets = { channelSecret: secret('channel'), apiKey: secret('key'), routingToken: secret('routing-token') };
    const res = await admin().post(mcxBody('mcx-a', secrets)).expect(201);
    expect(res.body).toMatchObject({
      id: 'mcx-a',
      configUrl: 'https://connector.example.test/webhooks/genesys-mcx/mcx-a',
      apiKey: expect.stringMatching(/^hck_/),
      provider: {
        type: 'genesys-multicloud-cx',
        apiBaseUrl: 'https://digital.api01-westus2.prod001.genesysengage.com/nexus/v3',
        ccid: '0ff723ff-6c6f-44e0-9ce3-ce579337eadd',
        channelId: '0123456789',
        hasChannelSecret: true,
        webhookSecretIsChannelSecret: true,
        hasApiKey: true,
        customerIdMode: 'per-user',
        hasRoutingToken: true,
        goodbyeText: 'The customer has left the conversation.',
        rateLimitPerMinute: 120,
      },
    });
    const read = await admin().get('mcx-a').expect(200);
    for (const value of Object.values(secrets)) {
      expect(res.text).not.toContain(value);
      expect(read.text).not.toContain(value);
      expect(t.logs.text()).not.toContain(value);
    }
    // Sealed at rest: the record in Redis holds none of them in clear.
    const stored = JSON.stringify(await t.redis.hgetall(new RedisKeys(t.prefix).endpoints()));
    for (const value of Object.values(secrets)) expect(stored).not.toContain(value);
    // The rest of the connector gets them in clear, with the webhook secret defaulting to the channel secret.
    const endpoint = (await t.app.get(EndpointsService).get('mcx-a')) as McxEndpoint;
    expect(endpoint.provider).toMatchObject({ ...secrets, webhookSecret: secrets.channelSecret });
  });

  it.each([
    ['apiBaseUrl', { apiBaseUrl: 'not a url' }, 'provider.apiBaseUrl must be an http(s) URL'],
    [
      'apiBaseUrl (SSRF)',
      { apiBaseUrl: 'http://169.254.169.254/nexus/v3' },
      'provider.apiBaseUrl must not point to a private, loopback or link-local address (unless allowed by EGRESS_ALLOWLIST)',
    ],
    ['ccid', { ccid: 'has spaces in it' }, 'provider.ccid must be printable ASCII without spaces'],
    ['channelId', { channelId: 'a/b' }, 'provider.channelId must not be empty nor contain spaces or "/"'],
    ['channelSecret', { channelSecret: 'short' }, 'provider.channelSecret must be longer than 15 characters'],
    ['webhookSecret', { webhookSecret: 'short' }, 'provider.webhookSecret must be longer than 15 characters'],
    ['apiKey', { apiKey: 'two\nlines' }, 'provider.apiKey must be printable ASCII without spaces'],
    [
      'customerIdMode',
      { customerIdMode: 'per-day' },
      'provider.customerIdMode must be one of the following values: per-user, per-handover',
    ],
    ['routingToken', { routingToken: 'too-short' }, 'provider.routingToken must be longer than or equal to 24 characters'],
    ['goodbyeText', { goodbyeText: 'x'.repeat(4001) }, 'provider.goodbyeText must be shorter than or equal to 4000 characters'],
    ['rateLimitPerMinute', { rateLimitPerMinute: 0 }, 'provider.rateLimitPerMinute must not be less than 1'],
    ['an unknown field', { region: 'mypurecloud.de' }, 'provider.region: property region should not exist'],
  ])('answers 400 naming %s', async (_name, provider, problem) => {
    const res = await admin()
      .post(mcxBody(`bad-${randomBytes(4).toString('hex')}`, provider))
      .expect(400);
    expect(res.body.message).toContain(problem);
  });

  it('names every missing required field', async () => {
    const res = await admin()
      .post({ ...mcxBody('bad-missing'), provider: { type: 'genesys-multicloud-cx' } })
      .expect(400);
    for (const field of ['apiBaseUrl', 'ccid', 'channelId', 'channelSecret']) {
      expect(res.body.message.some((m: string) => m.startsWith(`provider.${field} `))).toBe(true);
    }
  });

  it('rotates the webhook secret with grace: a new channelSecret (no webhookSecret) keeps the old one valid for webhooks', async () => {
    const first = secret('channel');
    await admin()
      .post(mcxBody('mcx-rot', { channelSecret: first }))
      .expect(201);
    const raw = JSON.stringify({ operationId: 'op', data: { entities: [] } });
    const interactions = (signature: string) =>
      request(t.app.getHttpServer())
        .post('/webhooks/genesys-mcx/mcx-rot/interactions')
        .set('Content-Type', 'application/json')
        .set('X-Hub-Signature', signature)
        .send(raw);
    await interactions(sha1hex(first, raw)).expect(200, { status: { code: 0 } });

    const second = secret('channel');
    await admin()
      .patch('mcx-rot', { provider: { channelSecret: second } })
      .expect(200);
    await interactions(sha1hex(second, raw)).expect(200);
    await interactions(sha1hex(first, raw)).expect(200);

    const own = secret('webhook');
    const patched = await admin()
      .patch('mcx-rot', { provider: { webhookSecret: own } })
      .expect(200);
    expect(patched.body.provider).toMatchObject({
      webhookSecretIsChannelSecret: false,
      previousWebhookSecretValidUntil: expect.any(String),
    });
    await interactions(sha1hex(own, raw)).expect(200);
    await interactions(sha1hex(second, raw)).expect(200);
    await interactions(sha1hex('never-was-a-secret-0000', raw)).expect(401);
    const endpoints = t.app.get(EndpointsService);
    expect(endpoints.webhookSecrets(await endpoints.get('mcx-rot'))).toEqual([own, second]);
  });

  it('seeds Multicloud CX endpoints from the endpoints file, ${ENV} references resolved, secrets sealed', async () => {
    const endpoints = t.app.get(EndpointsService);
    const seeded = (await endpoints.get('seed-mcx')) as McxEndpoint;
    expect(seeded).toMatchObject({
      name: 'Seeded Multicloud CX bot',
      provider: {
        type: 'genesys-multicloud-cx',
        apiBaseUrl: 'https://digital.api01-westus2.prod001.genesysengage.com/nexus/v3',
        channelId: '0123456789',
        channelSecret: variables.HC_TEST_MCX_CHANNEL_SECRET,
        webhookSecret: variables.HC_TEST_MCX_CHANNEL_SECRET,
        routingToken: variables.HC_TEST_MCX_ROUTING_TOKEN,
        customerIdMode: 'per-handover',
      },
      handoverDefaults: { skills: ['support'] },
    });
    expect(await endpoints.authenticateApiKey('seed-mcx', variables.HC_TEST_MCX_API_KEY)).toBe('ok');
    const view = await admin().get('seed-mcx').expect(200);
    expect(view.body.configUrl).toBe('https://connector.example.test/webhooks/genesys-mcx/seed-mcx');
    const stored = JSON.stringify(await t.redis.hgetall(new RedisKeys(t.prefix).endpoints()));
    for (const value of Object.values(variables)) {
      expect(view.text).not.toContain(value);
      expect(stored).not.toContain(value);
      expect(t.logs.text()).not.toContain(value);
    }
  });

  it('documents the provider body and view in OpenAPI, and the three routes', async () => {
    const doc = (await request(t.app.getHttpServer()).get('/docs-json').expect(200)).body;
    expect(doc.components.schemas.GenesysMulticloudCxSpec.properties).toHaveProperty('customerIdMode');
    expect(JSON.stringify(doc.components.schemas.EndpointSpec.properties.provider)).toContain('GenesysMulticloudCxSpec');
    for (const path of ['/webhooks/genesys-mcx/{endpointId}', '/webhooks/genesys-mcx/{endpointId}/interactions']) {
      expect(doc.paths[path].post.parameters).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'X-Hub-Signature', in: 'header', required: true })]),
      );
    }
    expect(doc.paths['/webhooks/genesys-mcx/{endpointId}/routing-context'].post.tags).toEqual(['genesys-mcx-webhooks']);
  });
});
