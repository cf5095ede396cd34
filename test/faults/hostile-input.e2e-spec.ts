import { createHmac } from 'node:crypto';
import request from 'supertest';
import { createHandoverFixture, HandoverFixture, INTEGRATION_ID, WEBHOOK_SECRET, CALLBACK_SECRET } from '../support/handover-fixture';
import { TEST_ADMIN_TOKEN } from '../support/test-app';
import { eventually } from '../support/wait-for-jobs';
import { dumpRedis } from '../support/redis-dump';
import { recordResult, statusSummary } from './harness';

const sign = (secret: string, raw: string | Buffer) => `sha256=${createHmac('sha256', secret).update(raw).digest('base64')}`;
const OTHER_WEBHOOK_SECRET = 'other-endpoint-webhook-secret-98765';
const OTHER_CALLBACK_SECRET = 'other-endpoint-callback-secret-98765';
const UNICODE = [
  'emoji 👩🏽‍🚀 family 👨‍👩‍👧‍👦 flag 🇺🇦',
  'rtl ‏שלום‎ عربى and bidi override ‮evil‬',
  'combining e\u0301 a\u0308 zalgo z\u0336\u0337a\u0338',
  'zero width \u200b\u200c\u200d\ufeff and NEL \u0085 LS \u2028 PS \u2029',
  'astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎𠜱 and CJK 漢字かなカナ',
  'quotes "\'`<script>alert(1)</script>&amp; \\ backslash',
];

/**
 * Hostile input on every door (Genesys webhooks, the bot API, the admin API) and, after the whole run, a search of
 * the logs and of every Redis key and value of this app for each secret value.
 */
describe('hostile input and secrets', () => {
  let f: HandoverFixture;
  let otherApiKey: string;
  const rows: { name: string; statuses: number[]; expected: string }[] = [];
  const note = (name: string, expected: string, ...statuses: number[]) => rows.push({ name, expected, statuses });
  const http = () => request(f.t.app.getHttpServer());
  const webhook = (raw: string | Buffer, signature?: string, contentType = 'application/json', endpoint = f.endpointId) => {
    const req = http().post(`/webhooks/genesys/${endpoint}`).set('Content-Type', contentType);
    if (signature !== undefined) req.set('X-Hub-Signature-256', signature);
    return req.send(typeof raw === 'string' ? raw : raw.toString());
  };
  const botApi = (method: 'post' | 'get', path: string, key: string, endpoint = f.endpointId) =>
    http()[method](`/v1/endpoints/${endpoint}${path}`).set('Authorization', `Bearer ${key}`);
  let customerId: string;
  const sessionId = 'hostile-1';
  let conversationId: string;

  beforeAll(async () => {
    f = await createHandoverFixture({ env: { AUTH_FAILURES_PER_MINUTE: '20' } });
    const other = await http()
      .post('/admin/v1/endpoints')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .send({
        id: 'other-ep',
        name: 'Another tenant',
        bot: { callbackUrl: f.bot.url, callbackSecret: OTHER_CALLBACK_SECRET },
        provider: {
          type: 'genesys-cloud-open-messaging',
          apiBaseUrl: f.emulator.url,
          loginBaseUrl: f.emulator.url,
          clientId: 'connector-client',
          clientSecret: 'connector-client-secret',
          integrationId: '6a1b2c3d-0000-4000-8000-00000000ffff',
          webhookSecret: OTHER_WEBHOOK_SECRET,
        },
      });
    expect(other.status).toBe(201);
    otherApiKey = other.body.apiKey;
    customerId = `u-${sessionId}`;
    await botApi('post', '/handovers', f.apiKey).send({ sessionId, userId: customerId, text: 'start' }).expect(202);
    await eventually(() => expect(f.bot.typesFor(sessionId)).toContain('handover.queued'), { timeoutMs: 15000 });
    conversationId = f.emulator.conversationFor(INTEGRATION_ID, customerId)!.id;
    f.emulator.joinAgent(conversationId, { agentName: 'Sam' });
    await eventually(() => expect(f.bot.typesFor(sessionId)).toContain('agent.joined'), { timeoutMs: 15000 });
  }, 60000);

  afterAll(async () => {
    for (const r of rows) {
      recordResult({
        scenario: `Hostile: ${r.name}`,
        inFlight: r.statuses.length,
        lost: 0,
        duplicated: 0,
        outOfOrder: 0,
        statuses: statusSummary(r.statuses),
        notes: `expected ${r.expected}`,
      });
    }
    await f?.close();
  });

  const agentText = (id: string, text: string) =>
    JSON.stringify({ id, type: 'Text', text, channel: { to: { id: customerId }, time: new Date().toISOString() } });

  it('webhook signatures: missing, forged, hex, other endpoint secret → 401; a replay is stored once', async () => {
    const raw = agentText('sig-1', 'should never arrive');
    const hex = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}`;
    const statuses = [
      (await webhook(raw)).status,
      (await webhook(raw, sign('forged-secret-forged-secret', raw))).status,
      (await webhook(raw, hex)).status,
      (await webhook(raw, sign(OTHER_WEBHOOK_SECRET, raw))).status,
      (await webhook(raw, sign(WEBHOOK_SECRET, raw), 'application/json', 'other-ep')).status,
    ];
    note('webhook missing/forged/hex/other-endpoint signature', '401', ...statuses);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);

    const replay = agentText('replay-1', 'replayed once');
    const r1 = (await webhook(replay, sign(WEBHOOK_SECRET, replay))).status;
    const r2 = (await webhook(replay, sign(WEBHOOK_SECRET, replay))).status;
    const r3 = (await webhook(replay, sign(WEBHOOK_SECRET, replay))).status;
    note('webhook replayed 3× (same id, valid signature)', '200, delivered once', r1, r2, r3);
    expect([r1, r2, r3]).toEqual([200, 200, 200]);
    await eventually(
      () => expect(f.bot.forSession(sessionId).some((e) => (e.data as { text?: string }).text === 'replayed once')).toBe(true),
      { timeoutMs: 10000 },
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(f.bot.forSession(sessionId).filter((e) => (e.data as { text?: string }).text === 'replayed once')).toHaveLength(1);
    expect(f.bot.forSession(sessionId).some((e) => (e.data as { text?: string }).text === 'should never arrive')).toBe(false);
  });

  it('webhook bodies: malformed JSON, deep nesting, huge arrays, oversize, wrong content types → 4xx, never 5xx', async () => {
    const malformed = '{"id": "x", "type": "Text", "text": ';
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const deepObj = '{"a":'.repeat(3000) + '1' + '}'.repeat(3000);
    const hugeArray = JSON.stringify({
      id: 'arr-1',
      type: 'Text',
      text: 'arr',
      channel: { to: { id: customerId } },
      content: Array.from({ length: 100000 }, () => 1),
    });
    const oversize = JSON.stringify({ id: 'big-1', type: 'Text', text: 'x'.repeat(1024 * 1024 + 10), channel: { to: { id: customerId } } });
    const plain = agentText('ct-1', 'plain text body');
    const cases: [string, string, string, number[]][] = [
      ['malformed JSON', malformed, 'application/json', [400]],
      ['deep nesting 5000 arrays', deep, 'application/json', [200, 400]],
      ['deep nesting 3000 objects', deepObj, 'application/json', [200, 400]],
      ['array of 100 000 items', hugeArray, 'application/json', [200, 400]],
      ['oversize 1 MiB + 10', oversize, 'application/json', [413]],
      ['text/plain content type', plain, 'text/plain', [400, 401, 415]],
      // Signed with the real secret, so authentic; acknowledged, but must not be relayed (checked below).
      ['form content type', plain, 'application/x-www-form-urlencoded', [200, 400, 401, 415]],
    ];
    for (const [name, raw, type, expected] of cases) {
      const res = await webhook(raw, sign(WEBHOOK_SECRET, raw), type);
      note(`webhook ${name}`, expected.join('/'), res.status);
      expect({ name, status: res.status, ok: expected.includes(res.status) }).toEqual({ name, status: res.status, ok: true });
    }
    // Still serving normally afterwards.
    const ok = agentText('after-hostile', 'still alive');
    expect((await webhook(ok, sign(WEBHOOK_SECRET, ok))).status).toBe(200);
    await eventually(
      () => expect(f.bot.forSession(sessionId).some((e) => (e.data as { text?: string }).text === 'still alive')).toBe(true),
      { timeoutMs: 10000 },
    );
    // Content type is not a trust boundary: the HMAC is checked over the raw bytes whatever the type says.
  });

  it('unicode edge cases round-trip intact both ways', async () => {
    for (const [i, text] of UNICODE.entries()) {
      const raw = agentText(`uni-${i}`, text);
      expect((await webhook(raw, sign(WEBHOOK_SECRET, raw))).status).toBe(200);
      expect((await botApi('post', `/sessions/${sessionId}/messages`, f.apiKey).send({ messageId: `uni-${i}`, text })).status).toBe(202);
    }
    await eventually(
      () => {
        const botTexts = f.bot
          .forSession(sessionId)
          .filter((e) => e.type === 'agent.message')
          .map((e) => (e.data as { text?: string }).text);
        const agentTexts = f.emulator
          .conversation(conversationId)!
          .messages.filter((m) => m.direction === 'Inbound')
          .map((m) => (m.payload as { text?: string }).text);
        for (const text of UNICODE) {
          expect(botTexts).toContain(text);
          expect(agentTexts).toContain(text);
        }
      },
      { timeoutMs: 15000 },
    );
    note(
      'unicode texts (emoji ZWJ, RTL/bidi, combining, zero-width, astral) both ways',
      'byte-identical',
      ...UNICODE.map(() => 200),
      ...UNICODE.map(() => 202),
    );
  });

  it('bot API: wrong types, extra fields, long strings, path traversal → 4xx; another endpoint key → 401/403 without data', async () => {
    const path = `/sessions/${sessionId}/messages`;
    const cases: [string, unknown, number[]][] = [
      ['text as object', { messageId: 'w1', text: { a: 1 } }, [400]],
      ['messageId as number', { messageId: 5, text: 'x' }, [400]],
      ['text as array', { messageId: 'w2', text: ['x'] }, [400]],
      ['extra field', { messageId: 'w3', text: 'x', isAdmin: true }, [400]],
      ['__proto__ field', JSON.parse('{"messageId":"w4","text":"x","__proto__":{"polluted":true}}'), [400, 202]],
      ['text 200 000 chars', { messageId: 'w5', text: 'x'.repeat(200000) }, [400, 413]],
      ['messageId 10 000 chars', { messageId: 'y'.repeat(10000), text: 'x' }, [400]],
      ['null body fields', { messageId: null, text: null }, [400]],
      ['empty body {}', {}, [400]],
      ['only a messageId', { messageId: 'w6' }, [400]],
    ];
    for (const [name, body, expected] of cases) {
      const res = await botApi('post', path, f.apiKey).send(body as object);
      note(`bot API ${name}`, expected.join('/'), res.status);
      expect({ name, status: res.status, ok: expected.includes(res.status) }).toEqual({ name, status: res.status, ok: true });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const handoverCases: [string, unknown][] = [
      ['handover sessionId with a slash', { sessionId: 'a/b', userId: 'u', text: 'x' }],
      ['handover sessionId ../etc', { sessionId: '../etc/passwd', userId: 'u', text: 'x' }],
      ['handover userId 5000 chars', { sessionId: 'ok-1', userId: 'u'.repeat(5000), text: 'x' }],
      ['handover skills as string', { sessionId: 'ok-2', userId: 'u', text: 'x', skills: 'all' }],
    ];
    for (const [name, body] of handoverCases) {
      const res = await botApi('post', '/handovers', f.apiKey).send(body as object);
      note(`bot API ${name}`, '400', res.status);
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
    }
    for (const traversal of ['..%2f..%2fadmin', '%2e%2e', '..', '%2e%2e%2f%2e%2e%2fendpoints']) {
      const res = await botApi('post', `/sessions/${traversal}/messages`, f.apiKey).send({ messageId: 't', text: 'x' });
      note(`bot API session id ${traversal}`, '400/404', res.status);
      expect([400, 404]).toContain(res.status);
      expect(JSON.stringify(res.body)).not.toContain('callbackSecret');
    }
    const crossMessage = await botApi('post', path, otherApiKey).send({ messageId: 'x1', text: 'cross' });
    const crossRead = await botApi('get', `/sessions/${sessionId}`, otherApiKey);
    const crossEndpoint = await botApi('post', `/sessions/${sessionId}/messages`, f.apiKey, 'other-ep').send({
      messageId: 'x2',
      text: 'cross',
    });
    note("bot API another endpoint's key", '401/403/404', crossMessage.status, crossRead.status, crossEndpoint.status);
    for (const res of [crossMessage, crossRead, crossEndpoint]) {
      expect([401, 403, 404]).toContain(res.status);
      expect(JSON.stringify(res.body)).not.toContain(customerId);
    }
  });

  it('admin API: extra fields, wrong types, traversal, SSRF callback targets → 4xx', async () => {
    const base = {
      name: 'x',
      bot: { callbackUrl: 'https://bot.example.test/cb', callbackSecret: 'a-callback-secret-0123456789' },
      provider: {
        type: 'genesys-cloud-open-messaging',
        apiBaseUrl: f.emulator.url,
        loginBaseUrl: f.emulator.url,
        clientId: 'c',
        clientSecret: 's-secret-0123456789',
        integrationId: '6a1b2c3d-0000-4000-8000-00000000eeee',
        webhookSecret: 'w-secret-0123456789abc',
      },
    };
    const admin = (body: unknown) =>
      http()
        .post('/admin/v1/endpoints')
        .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
        .send(body as object);
    const cases: [string, unknown, number[]][] = [
      ['extra top-level field', { ...base, id: 'e1', owner: 'me' }, [400]],
      ['extra nested field', { ...base, id: 'e2', bot: { ...base.bot, debug: true } }, [400]],
      ['name as number', { ...base, id: 'e3', name: 5 }, [400]],
      ['id ../../x', { ...base, id: '../../x' }, [400]],
      ['name 100 000 chars', { ...base, id: 'e4', name: 'n'.repeat(100000) }, [400, 413]],
      [
        'callbackUrl http://169.254.169.254/',
        { ...base, id: 'e5', bot: { ...base.bot, callbackUrl: 'http://169.254.169.254/latest/meta-data' } },
        [400],
      ],
      ['callbackUrl http://10.0.0.1/', { ...base, id: 'e6', bot: { ...base.bot, callbackUrl: 'http://10.0.0.1/cb' } }, [400]],
      [
        'callbackUrl http://[::ffff:169.254.169.254]/',
        { ...base, id: 'e7', bot: { ...base.bot, callbackUrl: 'http://[::ffff:a9fe:a9fe]/cb' } },
        [400],
      ],
      ['callbackUrl file:///etc/passwd', { ...base, id: 'e8', bot: { ...base.bot, callbackUrl: 'file:///etc/passwd' } }, [400]],
      [
        'apiBaseUrl http://169.254.169.254',
        { ...base, id: 'e9', provider: { ...base.provider, apiBaseUrl: 'http://169.254.169.254' } },
        [400],
      ],
    ];
    for (const [name, body, expected] of cases) {
      const res = await admin(body);
      note(`admin ${name}`, expected.join('/'), res.status);
      expect({ name, status: res.status, ok: expected.includes(res.status) }).toEqual({ name, status: res.status, ok: true });
    }
    for (const p of ['/admin/v1/endpoints/..%2f..%2fhealth', '/admin/v1/endpoints/%2e%2e', '/admin/v1/endpoints/..%252f']) {
      const res = await http().get(p).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
      note(`admin GET ${p}`, '400/404', res.status);
      expect([400, 404]).toContain(res.status);
    }
  });

  it('brute force on API keys and the admin token is throttled (429)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await botApi('get', `/sessions/${sessionId}`, `hck_guess${i}`)).status);
    note('bot API 30 wrong API keys', '401 then 429', ...statuses);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });

  it('no secret value in clear in the logs or in any Redis key or value of this app', async () => {
    const secrets = [
      WEBHOOK_SECRET,
      CALLBACK_SECRET,
      OTHER_WEBHOOK_SECRET,
      OTHER_CALLBACK_SECRET,
      'connector-client-secret',
      f.apiKey,
      otherApiKey,
      TEST_ADMIN_TOKEN,
      f.t.config.secretsKey.toString('base64'),
    ].filter((s) => s.length > 8);
    const logs = f.t.logs.text();
    const { keys, text: haystack } = await dumpRedis(f.t);
    const found = secrets.filter((s) => logs.includes(s) || haystack.includes(s));
    const biggest = [...f.t.logs.lines].sort((a, b) => b.length - a.length)[0] ?? '';
    note(`largest log line ${biggest.length} B (of ${f.t.logs.lines.length} lines)`, '< 64 KiB', biggest.length < 65536 ? 0 : 1);
    if (biggest.length >= 65536) console.log(biggest.slice(0, 600));
    note(`secrets (${secrets.length}) in ${logs.length} B of logs and ${keys.length} Redis keys`, '0 found', found.length);
    expect(keys.length).toBeGreaterThan(5);
    expect(found).toEqual([]);
    // Log amplification: the 100 000-item content array must not have produced a line per item.
    expect(f.t.logs.lines.length).toBeLessThan(2000);
  });
});
