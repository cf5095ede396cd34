import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { sha256Hex } from '../src/infrastructure/crypto/tokens';
import { EndpointsService } from '../src/endpoints/endpoints.service';
import { eventually } from './support/wait-for-jobs';
import { dumpRedis } from './support/redis-dump';
import { createTestApp, TEST_ADMIN_TOKEN, TestApp } from './support/test-app';
import type { GenesysEndpoint } from '../src/contact-center/genesys-cloud-open-messaging/genesys-api-client';
import { RedisKeys } from '../src/infrastructure/redis/redis-keys';

const BASE = '/admin/v1/endpoints';

/** Secrets unique to this run, so finding one anywhere can only mean it leaked. */
const secret = (label: string, bytes = 18) => `${label}-${randomBytes(bytes).toString('base64url')}`;

function endpointBody(
  id: string | undefined,
  secrets = { clientSecret: secret('cs'), webhookSecret: secret('wh'), callbackSecret: secret('cb') },
) {
  return {
    ...(id === undefined ? {} : { id }),
    name: `Bot ${id ?? 'generated'}`,
    bot: { callbackUrl: 'https://bot.example.test/handover-events', callbackSecret: secrets.callbackSecret },
    provider: {
      type: 'genesys-cloud-open-messaging',
      region: 'mypurecloud.de',
      clientId: 'client-id',
      clientSecret: secrets.clientSecret,
      integrationId: 'integration-id',
      webhookSecret: secrets.webhookSecret,
    },
    handoverDefaults: { language: 'english', skills: ['escalation'], priority: 1, customAttributes: { region: 'Europe' } },
  };
}

describe('admin API: endpoints', () => {
  let t: TestApp;
  let endpoints: EndpointsService;
  /** Every secret this suite sets and every response body it receives. */
  const secretsSet: string[] = [];
  const responses: string[] = [];

  const api = () => request(t.app.getHttpServer());
  const admin = <R extends request.Test>(req: R): R => req.set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
  const send = async (req: request.Test, body?: object) => {
    const res = await admin(req).send(body);
    responses.push(res.text);
    return res;
  };
  const create = async (id: string | undefined) => {
    const body = endpointBody(id);
    secretsSet.push(body.provider.clientSecret, body.provider.webhookSecret, body.bot.callbackSecret);
    const res = await send(api().post(BASE), body);
    expect(res.status).toBe(201);
    secretsSet.push(res.body.apiKey);
    return { body, res };
  };

  beforeAll(async () => {
    t = await createTestApp();
    endpoints = t.app.get(EndpointsService);
  });

  afterAll(async () => {
    await t.close();
  });

  it('creates an endpoint: 201, no secret in the response, configUrl, defaults, region URLs and an API key', async () => {
    const { res } = await create('acme-support');
    expect(res.body).toEqual({
      id: 'acme-support',
      name: 'Bot acme-support',
      bot: { callbackUrl: 'https://bot.example.test/handover-events', hasCallbackSecret: true },
      provider: {
        type: 'genesys-cloud-open-messaging',
        region: 'mypurecloud.de',
        apiBaseUrl: 'https://api.mypurecloud.de',
        loginBaseUrl: 'https://login.mypurecloud.de',
        clientId: 'client-id',
        hasClientSecret: true,
        integrationId: 'integration-id',
        hasWebhookSecret: true,
        rateLimitPerMinute: 300,
      },
      handoverDefaults: {
        language: 'english',
        skills: ['escalation'],
        priority: 1,
        customAttributes: { region: 'Europe' },
        inactivityTimeoutSeconds: 1800,
        queueTimeoutSeconds: 1800,
        queueUpdateIntervalSeconds: 30,
        serviceLevelSeconds: 60,
      },
      configUrl: 'https://connector.example.test/webhooks/genesys/acme-support',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      apiKey: expect.stringMatching(/^hck_[A-Za-z0-9_-]{43}$/),
    });
  });

  it('generates an id when none is given', async () => {
    const { res } = await create(undefined);
    expect(res.body.id).toMatch(/^[a-z0-9-]{1,64}$/);
    expect(res.body.configUrl).toBe(`https://connector.example.test/webhooks/genesys/${res.body.id}`);
  });

  it('reads one endpoint and lists them, never with an API key or a secret', async () => {
    await create('list-me');
    const one = await send(api().get(`${BASE}/list-me`));
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: 'list-me', bot: { hasCallbackSecret: true }, provider: { hasClientSecret: true } });
    expect(one.body.apiKey).toBeUndefined();

    const all = await send(api().get(BASE));
    expect(all.status).toBe(200);
    expect(all.body.map((e: { id: string }) => e.id)).toEqual(expect.arrayContaining(['acme-support', 'list-me']));
    expect(all.body.every((e: { apiKey?: string }) => e.apiKey === undefined)).toBe(true);
  });

  it('hands the decrypted endpoint to the rest of the connector', async () => {
    const { body } = await create('internal-view');
    const endpoint = await endpoints.get('internal-view');
    expect(endpoint.provider).toMatchObject({
      clientSecret: body.provider.clientSecret,
      webhookSecret: body.provider.webhookSecret,
      apiBaseUrl: 'https://api.mypurecloud.de',
    });
    expect(endpoint.bot.callbackSecret).toBe(body.bot.callbackSecret);
    expect(await endpoints.find('no-such-endpoint')).toBeUndefined();
    await expect(endpoints.get('no-such-endpoint')).rejects.toThrow('Endpoint no-such-endpoint not found');
  });

  it('answers 409 on a duplicate id and keeps the first endpoint', async () => {
    const { body: first } = await create('taken');
    const again = await send(api().post(BASE), { ...endpointBody('taken'), name: 'Second' });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('Endpoint taken already exists');
    expect(((await endpoints.get('taken')) as GenesysEndpoint).provider.clientSecret).toBe(first.provider.clientSecret);
  });

  it('answers 404 for unknown ids on every route', async () => {
    for (const req of [
      api().get(`${BASE}/nope`),
      api().patch(`${BASE}/nope`),
      api().delete(`${BASE}/nope`),
      api().post(`${BASE}/nope/api-key`),
    ]) {
      const res = await send(req, req.method === 'PATCH' ? { name: 'x' } : undefined);
      expect(res.status).toBe(404);
      expect(res.body.message).toBe('Endpoint nope not found');
    }
  });

  it.each([
    ['a bad id pattern', { id: 'Not_Valid!' }, 'id must be 1-64 lowercase letters, digits or "-"'],
    ['a too long id', { id: 'a'.repeat(65) }, 'id must be 1-64 lowercase letters, digits or "-"'],
    [
      'a short webhook secret',
      { provider: { webhookSecret: 'fifteen-chars!!' } },
      'provider.webhookSecret must be longer than 15 characters',
    ],
    ['a short callback secret', { bot: { callbackSecret: 'x'.repeat(23) } }, 'bot.callbackSecret must be at least 24 characters'],
    ['an empty client secret', { provider: { clientSecret: '' } }, 'provider.clientSecret should not be empty'],
    ['a bad callback URL', { bot: { callbackUrl: 'not a url' } }, 'bot.callbackUrl must be an http(s) URL'],
    ['a non-http callback URL', { bot: { callbackUrl: 'ftp://bot.example.test/x' } }, 'bot.callbackUrl must be an http(s) URL'],
    [
      'an unknown provider type',
      { provider: { type: 'zendesk' } },
      'provider.type must be one of the following values: genesys-cloud-open-messaging',
    ],
    ['an unknown region', { provider: { region: 'mars' } }, 'provider.region must be a known Genesys Cloud region'],
    ['a private callback host', { bot: { callbackUrl: 'http://10.1.2.3/events' } }, 'bot.callbackUrl must not point to a private'],
    [
      'a private Genesys URL',
      { provider: { apiBaseUrl: 'http://169.254.169.254', loginBaseUrl: 'https://login.example.test' } },
      'provider.apiBaseUrl must not point to a private',
    ],
    [
      'both bot targets',
      { bot: { cognigy: { notifyUrl: 'https://endpoint.example.test/notify/t' } } },
      'bot must have exactly one of callbackUrl (with callbackSecret) or cognigy.notifyUrl',
    ],
    ['a callback URL without its secret', { bot: { callbackSecret: null } }, 'bot.callbackSecret must be at least 24 characters'],
    [
      'a bad custom attribute key',
      { handoverDefaults: { customAttributes: { 'bad key': 'v' } } },
      'handoverDefaults.customAttributes key "bad key"',
    ],
    [
      'a long custom attribute value',
      { handoverDefaults: { customAttributes: { ok: 'v'.repeat(257) } } },
      'handoverDefaults.customAttributes value of "ok" must be at most 256 characters',
    ],
    ['a fractional priority', { handoverDefaults: { priority: 1.5 } }, 'handoverDefaults.priority must be an integer number'],
    ['an unknown field', { provider: { colour: 'blue' } }, 'provider.colour: property colour should not exist'],
  ])('answers 400 naming the field for %s', async (_case, change, message) => {
    const body = mergeDeep(endpointBody('invalid-one'), change);
    const res = await send(api().post(BASE), body);
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
    expect(await endpoints.find('invalid-one')).toBeUndefined();
  });

  it('resolves base URLs from the region unless both are given (the URLs win)', async () => {
    const body = mergeDeep(endpointBody('own-urls'), {
      provider: { region: 'eu_central_1', apiBaseUrl: 'https://api.own.example.test/', loginBaseUrl: 'https://login.own.example.test' },
    });
    const res = await send(api().post(BASE), body);
    expect(res.status).toBe(201);
    expect(res.body.provider).toMatchObject({ apiBaseUrl: 'https://api.own.example.test', loginBaseUrl: 'https://login.own.example.test' });

    const sdkName = await send(api().patch(`${BASE}/own-urls`), { provider: { apiBaseUrl: null, loginBaseUrl: null } });
    expect(sdkName.body.provider).toMatchObject({ region: 'eu_central_1', apiBaseUrl: 'https://api.mypurecloud.de' });
  });

  it('PATCH merges the given fields, validates the result and keeps everything else', async () => {
    const { body } = await create('patch-me');
    const res = await send(api().patch(`${BASE}/patch-me`), {
      name: 'Renamed',
      provider: { region: 'mypurecloud.ie', queueId: 'queue-1' },
      handoverDefaults: { skills: ['billing'], queueUpdateIntervalSeconds: 0 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Renamed',
      provider: { region: 'mypurecloud.ie', apiBaseUrl: 'https://api.mypurecloud.ie', queueId: 'queue-1', clientId: 'client-id' },
      handoverDefaults: { language: 'english', skills: ['billing'], priority: 1, queueUpdateIntervalSeconds: 0 },
    });
    const stored = (await endpoints.get('patch-me')) as GenesysEndpoint;
    expect(stored.provider.clientSecret).toBe(body.provider.clientSecret);
    expect(stored.provider.webhookSecret).toBe(body.provider.webhookSecret);
    expect(Date.parse(stored.updatedAt)).toBeGreaterThanOrEqual(Date.parse(stored.createdAt));

    const bad = await send(api().patch(`${BASE}/patch-me`), { provider: { webhookSecret: 'short' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(['provider.webhookSecret must be longer than 15 characters']);
    expect((await endpoints.get('patch-me')).provider.webhookSecret).toBe(body.provider.webhookSecret);

    const renamed = await send(api().patch(`${BASE}/patch-me`), { id: 'other-id' });
    expect(renamed.status).toBe(400);
    expect(renamed.body.message).toEqual(['id cannot be changed']);
  });

  it('PATCH with null removes fields, e.g. to switch the bot to Cognigy Notify', async () => {
    await create('to-cognigy');
    const cognigyApiKey = secret('cognigy');
    secretsSet.push(cognigyApiKey);
    const res = await send(api().patch(`${BASE}/to-cognigy`), {
      bot: {
        callbackUrl: null,
        callbackSecret: null,
        cognigy: { notifyUrl: 'https://endpoint-trial.cognigy.ai/notify/abc', apiKey: cognigyApiKey },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.bot).toEqual({
      hasCallbackSecret: false,
      cognigy: { notifyUrl: 'https://endpoint-trial.cognigy.ai/notify/abc', hasApiKey: true },
    });
    expect((await endpoints.get('to-cognigy')).bot.cognigy?.apiKey).toBe(cognigyApiKey);
  });

  it('rotates the webhook secret and accepts the previous one within the grace period', async () => {
    const { body } = await create('rotate-webhook');
    const oldSecret = body.provider.webhookSecret;
    const newSecret = secret('wh-new');
    secretsSet.push(newSecret);
    const res = await send(api().patch(`${BASE}/rotate-webhook`), { provider: { webhookSecret: newSecret } });
    expect(res.status).toBe(200);
    expect(Date.parse(res.body.provider.previousWebhookSecretValidUntil) - Date.now()).toBeGreaterThan(86_000_000);

    const endpoint = await endpoints.get('rotate-webhook');
    expect(endpoints.webhookSecrets(endpoint)).toEqual([newSecret, oldSecret]);
    // Another change leaves the rotation alone.
    await send(api().patch(`${BASE}/rotate-webhook`), { name: 'Still rotating' });
    expect(endpoints.webhookSecrets(await endpoints.get('rotate-webhook'))).toEqual([newSecret, oldSecret]);
  });

  it('shows the API key once, keeps only its hash, and rotates it', async () => {
    const { res } = await create('keyed');
    const { res: other } = await create('keyed-other');
    const firstKey: string = res.body.apiKey;
    expect(await endpoints.authenticateApiKey('keyed', firstKey)).toBe('ok');
    expect(await endpoints.authenticateApiKey('keyed', other.body.apiKey)).toBe('other-endpoint');
    expect(await endpoints.authenticateApiKey('keyed', `${firstKey}x`)).toBe('invalid');

    const rotated = await send(api().post(`${BASE}/keyed/api-key`));
    expect(rotated.status).toBe(201);
    expect(rotated.body).toEqual({ id: 'keyed', apiKey: expect.stringMatching(/^hck_/) });
    secretsSet.push(rotated.body.apiKey);
    expect(rotated.body.apiKey).not.toBe(firstKey);
    expect(await endpoints.authenticateApiKey('keyed', firstKey)).toBe('invalid');
    expect(await endpoints.authenticateApiKey('keyed', rotated.body.apiKey)).toBe('ok');

    const stored = (await dumpRedis(t)).text;
    expect(stored).toContain(sha256Hex(rotated.body.apiKey));
    expect(stored).not.toContain(sha256Hex(firstKey));
  });

  it('deletes with 204, after which the endpoint and its API key are gone', async () => {
    const { res } = await create('delete-me');
    const deleted = await send(api().delete(`${BASE}/delete-me`));
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await send(api().get(`${BASE}/delete-me`))).status).toBe(404);
    expect(await endpoints.authenticateApiKey('delete-me', res.body.apiKey)).toBe('invalid');
    expect((await dumpRedis(t)).text).not.toContain(sha256Hex(res.body.apiKey));
  });

  it('answers 413 for an oversize body', async () => {
    const body = { ...endpointBody('huge'), name: 'x'.repeat(1024 * 1024 + 10) };
    const res = await admin(api().post(BASE)).send(body);
    expect(res.status).toBe(413);
  });

  it('documents the admin API in OpenAPI', async () => {
    const doc = (await api().get('/docs-json').expect(200)).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([BASE, `${BASE}/{id}`, `${BASE}/{id}/api-key`]));
    expect(doc.paths[BASE].post.security).toEqual([{ admin: [] }]);
    expect(doc.components.schemas.GenesysCloudOpenMessagingSpec.properties.webhookSecret).toMatchObject({ minLength: 16, writeOnly: true });
    expect(doc.components.schemas.CreatedEndpointView.properties.apiKey).toBeDefined();
  });

  it('never stores, returns or logs a secret or an API key in clear', async () => {
    expect(secretsSet.length).toBeGreaterThan(20);
    const stored = (await dumpRedis(t)).text;
    expect(stored).toContain(new RedisKeys(t.prefix).endpoints());
    const logs = t.logs.text();
    expect(logs).toContain('/admin/v1/endpoints');
    for (const value of secretsSet) {
      expect(stored).not.toContain(value);
      expect(logs).not.toContain(value);
    }
    const apiKeys = new Set(responses.flatMap((text) => text.match(/hck_[A-Za-z0-9_-]{43}/g) ?? []));
    for (const value of secretsSet.filter((s) => !apiKeys.has(s))) {
      expect(responses.join('\n')).not.toContain(value);
    }
  });
});

describe('endpoint cache across processes', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    first = await createTestApp();
    second = await createTestApp({ REDIS_PREFIX: first.prefix, SECRETS_KEY: first.config.secretsKey.toString('base64') });
  });

  afterAll(async () => {
    await second.close();
    await first.close();
  });

  it('sees changes, API-key rotations and deletions made by another process', async () => {
    const admin = (req: request.Test) => req.set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    const created = await admin(request(first.app.getHttpServer()).post(BASE)).send(endpointBody('shared')).expect(201);
    const firstEndpoints = first.app.get(EndpointsService);
    expect((await firstEndpoints.get('shared')).name).toBe('Bot shared');
    expect(await firstEndpoints.authenticateApiKey('shared', created.body.apiKey)).toBe('ok');

    await admin(request(second.app.getHttpServer()).patch(`${BASE}/shared`))
      .send({ name: 'Changed elsewhere' })
      .expect(200);
    await eventually(async () => expect((await firstEndpoints.get('shared')).name).toBe('Changed elsewhere'));

    await admin(request(second.app.getHttpServer()).post(`${BASE}/shared/api-key`)).expect(201);
    await eventually(async () => expect(await firstEndpoints.authenticateApiKey('shared', created.body.apiKey)).toBe('invalid'));

    await admin(request(second.app.getHttpServer()).delete(`${BASE}/shared`)).expect(204);
    await eventually(async () => expect(await firstEndpoints.find('shared')).toBeUndefined());
  });
});

describe('webhook secret rotation grace', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ WEBHOOK_SECRET_GRACE_SECONDS: '1' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('drops the previous secret once the grace period is over', async () => {
    const admin = (req: request.Test) => req.set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    const body = endpointBody('short-grace');
    await admin(request(t.app.getHttpServer()).post(BASE)).send(body).expect(201);
    const newSecret = secret('wh-next');
    const patched = await admin(request(t.app.getHttpServer()).patch(`${BASE}/short-grace`))
      .send({ provider: { webhookSecret: newSecret } })
      .expect(200);
    expect(patched.body.provider.previousWebhookSecretValidUntil).toBeDefined();

    const endpoints = t.app.get(EndpointsService);
    expect(endpoints.webhookSecrets(await endpoints.get('short-grace'))).toEqual([newSecret, body.provider.webhookSecret]);
    await eventually(async () => expect(endpoints.webhookSecrets(await endpoints.get('short-grace'))).toEqual([newSecret]), {
      timeoutMs: 3000,
    });
    const view = await admin(request(t.app.getHttpServer()).get(`${BASE}/short-grace`)).expect(200);
    expect(view.body.provider.previousWebhookSecretValidUntil).toBeUndefined();
  });
});

/** Test-side deep merge of plain objects; `null` is kept (the API reads it as "absent"). */
function mergeDeep<T extends object>(base: T, change: object): T {
  const result = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(change)) {
    const current = result[key];
    result[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? mergeDeep(current as object, value)
        : value;
  }
  return result as T;
}
