import request from 'supertest';
import { createTestApp, TEST_ADMIN_TOKEN, TestApp } from './support/test-app';

const BASE = '/admin/v1/endpoints';

describe('admin API authentication', () => {
  let t: TestApp;
  const api = () => request(t.app.getHttpServer());

  beforeAll(async () => {
    t = await createTestApp({ AUTH_FAILURES_PER_MINUTE: '3' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('answers 401 without a token, with a wrong token and with another scheme', async () => {
    // Each case from its own client address, so this test does not use up another's failure budget.
    const cases: [string, Record<string, string>][] = [
      ['198.51.100.1', {}],
      ['198.51.100.2', { Authorization: 'Bearer wrong-token-0123456789' }],
      ['198.51.100.3', { Authorization: `Bearer ${TEST_ADMIN_TOKEN}x` }],
      ['198.51.100.4', { Authorization: `Basic ${TEST_ADMIN_TOKEN}` }],
    ];
    for (const [ip, headers] of cases) {
      const res = await api().get(BASE).set('X-Forwarded-For', ip).set(headers);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="admin"');
      expect(res.body).toMatchObject({ statusCode: 401, message: 'A valid admin bearer token is required' });
    }
    await api().get(BASE).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`).expect(200);
  });

  it('blocks a client with 429 and Retry-After after AUTH_FAILURES_PER_MINUTE failures, even with the right token', async () => {
    const attacker = '203.0.113.9';
    for (let i = 0; i < 3; i++) {
      await api().get(BASE).set('X-Forwarded-For', attacker).set('Authorization', `Bearer guess-${i}`).expect(401);
    }
    const blocked = await api().get(BASE).set('X-Forwarded-For', attacker).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);

    // Other clients are not affected.
    await api().get(BASE).set('X-Forwarded-For', '203.0.113.10').set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`).expect(200);
    // The counter lives in Redis under this app's prefix (shared by replicas).
    expect(await t.redis.get(`${t.prefix}:auth-failures:${attacker}`)).toBe('3');
  });

  it('never logs the presented tokens', async () => {
    expect(t.logs.text()).not.toContain(TEST_ADMIN_TOKEN);
    expect(t.logs.text()).not.toContain('wrong-token-0123456789');
  });
});

describe('admin API rate limit', () => {
  let t: TestApp;
  let replica: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_RATE_LIMIT_PER_MINUTE: '5' });
    replica = await createTestApp({
      ADMIN_RATE_LIMIT_PER_MINUTE: '5',
      REDIS_PREFIX: t.prefix,
      SECRETS_KEY: t.config.secretsKey.toString('base64'),
    });
  });

  afterAll(async () => {
    await replica.stop();
    await t.close();
  });

  it('is one budget per client across replicas on one Redis', async () => {
    const call = (app: TestApp) =>
      request(app.app.getHttpServer()).get(BASE).set('X-Forwarded-For', '192.0.2.70').set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    for (const app of [t, replica, t, replica, t]) await call(app).expect(200);
    // Each process saw at most 3 of the client's calls: only a shared count says the 6th is over the 5.
    for (const app of [replica, t]) {
      const limited = await call(app);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('answers 429 once a client exceeds ADMIN_RATE_LIMIT_PER_MINUTE across admin routes', async () => {
    const call = (path: string, ip: string) =>
      request(t.app.getHttpServer()).get(path).set('X-Forwarded-For', ip).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    for (let i = 0; i < 5; i++) {
      await call(i % 2 ? BASE : `${BASE}/unknown`, '192.0.2.50').expect(i % 2 ? 200 : 404);
    }
    const limited = await call(BASE, '192.0.2.50');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    await call(BASE, '192.0.2.51').expect(200);
  });

  it('does not limit routes outside the admin API (bots and Genesys call from few addresses)', async () => {
    for (let i = 0; i < 8; i++) {
      await request(t.app.getHttpServer()).get('/metrics').set('X-Forwarded-For', '192.0.2.60').expect(200);
    }
  });
});
