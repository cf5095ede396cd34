import { randomBytes } from 'node:crypto';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../src/app.module';
import { AppConfig } from '../src/config/app-config';
import { EndpointsService } from '../src/endpoints/endpoints.service';
import { LogCapture } from './support/log-capture';
import { deleteKeysWithPrefix } from './support/redis-cleanup';
import { eventually } from './support/wait-for-jobs';
import { configuredApp, createTestApp, TEST_ADMIN_TOKEN, TestApp, testEnvironment } from './support/test-app';
import type { GenesysEndpoint } from '../src/contact-center/genesys-cloud-open-messaging/genesys-api-client';
import { RedisKeys } from '../src/infrastructure/redis/redis-keys';

const VALID_FILE = 'test/fixtures/endpoints-valid.yaml';
const INVALID_FILE = 'test/fixtures/endpoints-invalid.yaml';

/** The environment variables test/fixtures/endpoints-valid.yaml refers to. */
function seedVariables() {
  return {
    HC_TEST_SEED_API_KEY: `hck_${randomBytes(32).toString('base64url')}`,
    HC_TEST_SEED_CALLBACK_SECRET: `cb-${randomBytes(24).toString('base64url')}`,
    HC_TEST_SEED_CLIENT_SECRET: `cs-${randomBytes(24).toString('base64url')}`,
    HC_TEST_SEED_WEBHOOK_SECRET: `wh-${randomBytes(24).toString('base64url')}`,
    HC_TEST_SEED_URL_TOKEN: randomBytes(16).toString('hex'),
  };
}

function setVariables(variables: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(variables)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/** Boots the application expecting it to fail; returns the error, with everything closed again. */
async function bootError(overrides: Record<string, string>): Promise<Error> {
  const config = AppConfig.fromEnvironment(testEnvironment(overrides));
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ config, logDestination: new LogCapture() })],
  }).compile();
  const app = configuredApp(moduleRef);
  const error = await app.init().then(
    () => new Error('the application booted'),
    (err: Error) => err,
  );
  await app.close();
  return error;
}

describe('declarative endpoints (ENDPOINTS_FILE)', () => {
  const variables = seedVariables();
  let first: TestApp;
  const admin = (req: request.Test) => req.set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);

  beforeAll(async () => {
    setVariables(variables);
    first = await createTestApp({ ENDPOINTS_FILE: VALID_FILE });
  });

  afterAll(async () => {
    setVariables(Object.fromEntries(Object.keys(variables).map((name) => [name, undefined])));
    await first.close();
  });

  it('creates every endpoint of the file at boot, resolving ${ENV} references', async () => {
    const endpoints = first.app.get(EndpointsService);
    const a = await endpoints.get('seed-a');
    expect(a).toMatchObject({
      name: 'Seeded A',
      bot: { callbackUrl: 'https://bot.example.test/handover-events', callbackSecret: variables.HC_TEST_SEED_CALLBACK_SECRET },
      provider: {
        apiBaseUrl: 'https://api.mypurecloud.ie',
        clientSecret: variables.HC_TEST_SEED_CLIENT_SECRET,
        webhookSecret: variables.HC_TEST_SEED_WEBHOOK_SECRET,
      },
      handoverDefaults: { skills: ['billing'], customAttributes: { source: 'gitops' } },
    });
    expect(await endpoints.authenticateApiKey('seed-a', variables.HC_TEST_SEED_API_KEY)).toBe('ok');

    const b = (await endpoints.get('seed-b')) as GenesysEndpoint;
    expect(b.name).toBe('seed-b');
    expect(b.bot.cognigy?.notifyUrl).toBe(`https://endpoint-trial.cognigy.ai/notify/${variables.HC_TEST_SEED_URL_TOKEN}`);
    expect(b.provider.apiBaseUrl).toBe('https://api.genesys.example.test');

    const listed = await admin(request(first.app.getHttpServer()).get('/admin/v1/endpoints')).expect(200);
    expect(listed.body.map((e: { id: string }) => e.id)).toEqual(['seed-a', 'seed-b']);
    for (const value of [variables.HC_TEST_SEED_API_KEY, variables.HC_TEST_SEED_CLIENT_SECRET, variables.HC_TEST_SEED_WEBHOOK_SECRET]) {
      expect(listed.text).not.toContain(value);
      expect(first.logs.text()).not.toContain(value);
    }
  });

  it('on the next boot updates changed endpoints (rotating the webhook secret) and keeps existing API keys', async () => {
    const firstEndpoints = first.app.get(EndpointsService);
    // seed-b has no apiKey in the file: it keeps whatever key it has, e.g. one issued through the admin API.
    const issued = await admin(request(first.app.getHttpServer()).post('/admin/v1/endpoints/seed-b/api-key')).expect(201);
    const seedBBefore = await firstEndpoints.get('seed-b');

    const oldWebhookSecret = variables.HC_TEST_SEED_WEBHOOK_SECRET;
    const newWebhookSecret = `wh-${randomBytes(24).toString('base64url')}`;
    setVariables({ HC_TEST_SEED_WEBHOOK_SECRET: newWebhookSecret });
    const second = await createTestApp({
      ENDPOINTS_FILE: VALID_FILE,
      REDIS_PREFIX: first.prefix,
      SECRETS_KEY: first.config.secretsKey.toString('base64'),
    });
    try {
      const endpoints = second.app.get(EndpointsService);
      expect(endpoints.webhookSecrets(await endpoints.get('seed-a'))).toEqual([newWebhookSecret, oldWebhookSecret]);
      expect(await endpoints.authenticateApiKey('seed-a', variables.HC_TEST_SEED_API_KEY)).toBe('ok');
      expect(await endpoints.authenticateApiKey('seed-b', issued.body.apiKey)).toBe('ok');
      // Unchanged entries are not rewritten.
      expect((await endpoints.get('seed-b')).updatedAt).toBe(seedBBefore.updatedAt);
      // The process that was already running sees the change too.
      await eventually(async () => expect((await firstEndpoints.get('seed-a')).provider.webhookSecret).toBe(newWebhookSecret));
    } finally {
      setVariables({ HC_TEST_SEED_WEBHOOK_SECRET: oldWebhookSecret });
      await second.close();
    }
  });
});

describe('declarative endpoints: files that stop the boot', () => {
  it('names the file, the entry and the field, and writes nothing', async () => {
    const prefix = `hct-seed-${randomBytes(4).toString('hex')}`;
    const error = await bootError({ ENDPOINTS_FILE: INVALID_FILE, REDIS_PREFIX: prefix });
    expect(error.message).toBe(`${INVALID_FILE}: endpoints[1].provider.webhookSecret must be longer than 15 characters`);

    const probe = await createTestApp({ REDIS_PREFIX: prefix });
    try {
      const keys = new RedisKeys(prefix);
      expect(await probe.redis.exists(keys.endpoints(), keys.endpointApiKeys())).toBe(0);
    } finally {
      await probe.close();
    }
  });

  it('names a ${VAR} reference that is not set', async () => {
    setVariables({ ...seedVariables(), HC_TEST_SEED_API_KEY: undefined });
    try {
      const prefix = `hct-seed-${randomBytes(4).toString('hex')}`;
      const error = await bootError({ ENDPOINTS_FILE: VALID_FILE, REDIS_PREFIX: prefix });
      expect(error.message).toBe(`${VALID_FILE}: endpoints[0].apiKey refers to \${HC_TEST_SEED_API_KEY}, which is not set`);
      await deleteKeysWithPrefix(prefix);
    } finally {
      setVariables(Object.fromEntries(Object.keys(seedVariables()).map((name) => [name, undefined])));
    }
  });

  it('boots without an endpoints file', async () => {
    const t = await createTestApp({ ENDPOINTS_FILE: 'test/fixtures/endpoints-absent.yaml' });
    try {
      expect(await t.app.get(EndpointsService).list()).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
