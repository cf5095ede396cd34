import request from 'supertest';
import { createTestApp, TEST_ADMIN_TOKEN, TestApp } from './support/test-app';

describe('service foundation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('answers liveness and readiness with a Redis check', async () => {
    await request(t.app.getHttpServer()).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(t.app.getHttpServer()).get('/health/ready').expect(200);
    expect(ready.body).toEqual({ status: 'ready', checks: expect.objectContaining({ redis: true }) });
  });

  it('echoes a well-formed X-Request-Id and mints one otherwise', async () => {
    const echoed = await request(t.app.getHttpServer()).get('/health/live').set('X-Request-Id', 'abc-123');
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const minted = await request(t.app.getHttpServer()).get('/health/live').set('X-Request-Id', 'bad id with spaces');
    expect(minted.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the OpenAPI document and UI', async () => {
    const json = await request(t.app.getHttpServer()).get('/docs-json').expect(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(json.body.paths['/health/ready']).toBeDefined();
    const ui = await request(t.app.getHttpServer()).get('/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('exposes Prometheus metrics including HTTP request counts', async () => {
    await request(t.app.getHttpServer()).get('/health/live');
    const res = await request(t.app.getHttpServer()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toMatch(/hc_http_requests_total\{method="GET",route="\/health\/live",status="200"\} \d+/);
  });

  it('labels a request by its route template, and one that matched no route as unmatched', async () => {
    await request(t.app.getHttpServer()).get('/admin/v1/endpoints/some-id').expect(401);
    await request(t.app.getHttpServer()).get('/no/such/route/4711').expect(404);
    const res = await request(t.app.getHttpServer()).get('/metrics').expect(200);
    expect(res.text).toMatch(/hc_http_requests_total\{method="GET",route="\/admin\/v1\/endpoints\/:id",status="401"\} \d+/);
    expect(res.text).toMatch(/hc_http_requests_total\{method="GET",route="unmatched",status="404"\} \d+/);
    expect(res.text).not.toContain('/no/such/route');
  });

  it('matches paths with a trailing slash or in another letter case, and path segments of any length', async () => {
    await request(t.app.getHttpServer()).get('/health/live/').expect(200, { status: 'ok' });
    await request(t.app.getHttpServer()).get('/HEALTH/Live').expect(200, { status: 'ok' });
    const id = 'x'.repeat(300);
    const res = await request(t.app.getHttpServer()).get(`/admin/v1/endpoints/${id}`).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    expect(res.status).toBe(404);
    expect(res.body.message).toBe(`Endpoint ${id} not found`);
  });

  it('sets security headers, on errors too', async () => {
    const answers = [
      await request(t.app.getHttpServer()).get('/health/live'),
      await request(t.app.getHttpServer()).get('/no/such/route'),
      await request(t.app.getHttpServer()).get('/admin/v1/endpoints'),
      await request(t.app.getHttpServer()).post('/health/live').set('Content-Type', 'application/json').send('{"a":'),
    ];
    for (const res of answers) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'content-security-policy': expect.stringContaining("default-src 'self'"),
        'cross-origin-opener-policy': 'same-origin',
        'referrer-policy': 'no-referrer',
      });
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('logs requests as JSON lines with the request id', async () => {
    await request(t.app.getHttpServer()).get('/health/nothing-here').set('X-Request-Id', 'log-check-1').expect(404);
    const line = t.logs.lines.map((l) => JSON.parse(l)).find((l) => l.req?.id === 'log-check-1');
    expect(line).toMatchObject({ level: 40, req: { method: 'GET', url: '/health/nothing-here' }, res: { statusCode: 404 } });
  });
});

describe('request bodies', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('answers 413 with a JSON error for bodies over 1 MiB', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(1024 * 1024 + 10) });
    const res = await request(t.app.getHttpServer()).post('/health/live').set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'Request body exceeds the 1 MiB limit' });
  });

  const admin = (body: string, type?: string) => {
    const req = request(t.app.getHttpServer()).post('/admin/v1/endpoints').set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    return type === undefined ? req.send(body) : req.set('Content-Type', type).send(body);
  };

  it('answers 400 with a JSON error for malformed JSON', async () => {
    const res = await request(t.app.getHttpServer()).post('/health/live').set('Content-Type', 'application/json').send('{"a":');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining('JSON') });
    const validated = await admin('{"id": "a", ', 'application/json; charset=utf-8');
    expect(validated.status).toBe(400);
    expect(validated.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining('JSON') });
  });

  it('answers 400 in the JSON error shape for a path with a malformed percent-encoding', async () => {
    const res = await request(t.app.getHttpServer()).get('/admin/v1/endpoints/%E0%A4%A');
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: expect.stringContaining('%E0%A4%A') },
    });
  });

  it('reads an empty JSON body, no body and a body of another type alike: the validation names the missing fields', async () => {
    const answers = [
      await admin('', 'application/json'),
      await admin(''),
      await admin('<endpoint id="a"/>', 'application/xml'),
      await admin('{"id":"a"}', 'text/plain'),
    ];
    for (const res of answers) {
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(expect.arrayContaining(['provider should not be null or undefined']));
    }
  });
});
