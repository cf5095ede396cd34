import { createHmac } from 'node:crypto';
import request from 'supertest';
import { CALLBACK_SECRET } from '../support/handover-fixture';
import { createMcxFixture, MCX_API_KEY, MCX_CHANNEL_ID, MCX_CHANNEL_SECRET, MCX_ROUTING_TOKEN, McxFixture } from '../support/mcx-fixture';
import { TEST_ADMIN_TOKEN } from '../support/test-app';
import { eventually } from '../support/wait-for-jobs';
import { dumpRedis } from '../support/redis-dump';
import { recordResult, statusSummary } from './harness';

const sha1hex = (secret: string, raw: string | Buffer) => `sha1=${createHmac('sha1', secret).update(raw).digest('hex')}`;
const OTHER_CHANNEL_SECRET = 'other-mcx-channel-secret-98765';
const OTHER_ROUTING_TOKEN = 'other-mcx-routing-token-98765432109876';

/**
 * Hostile input on the Multicloud CX doors (the Third-Party Messaging webhook, the Interactions webhook, the
 * routing-context route): every refused request is 4xx, nothing it carried reaches the bot or ends a handover, and
 * the genuine traffic around it is delivered once. Then the logs and every Redis key and value are searched for the
 * endpoint's secrets.
 */
describe('Multicloud CX: hostile webhooks and routing-context calls', () => {
  let f: McxFixture;
  const rows: { name: string; statuses: number[]; expected: string }[] = [];
  const note = (name: string, expected: string, ...statuses: number[]) => rows.push({ name, expected, statuses });
  const http = () => request(f.t.app.getHttpServer());
  const post = (path: string, raw: string, signature?: string, contentType = 'application/json') => {
    const req = http().post(path).set('Content-Type', contentType);
    if (signature !== undefined) req.set('X-Hub-Signature', signature);
    return req.send(raw);
  };
  const webhook = (raw: string, signature?: string, contentType?: string, endpoint = f.endpointId) =>
    post(`/webhooks/genesys-mcx/${endpoint}`, raw, signature, contentType);
  const sessionId = 'hostile-mcx';
  const consumerId = 'u-hostile-mcx';
  let interactionId: string;
  const agentText = (messageId: string, text: string, to = consumerId) =>
    JSON.stringify({
      channel: { id: MCX_CHANNEL_ID, type: 'sms', from: { id: MCX_CHANNEL_ID }, to: { id: to }, messageId },
      type: 'Text',
      text,
    });
  const botTexts = () =>
    f.bot
      .forSession(sessionId)
      .filter((e) => e.type === 'agent.message')
      .map((e) => (e.data as { text?: string }).text);

  beforeAll(async () => {
    f = await createMcxFixture({ env: { AUTH_FAILURES_PER_MINUTE: '20' } });
    const other = await http()
      .post('/admin/v1/endpoints')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .send({
        id: 'other-mcx',
        name: 'Another tenant',
        bot: { callbackUrl: f.bot.url, callbackSecret: 'other-callback-secret-0123456789' },
        provider: {
          type: 'genesys-multicloud-cx',
          apiBaseUrl: f.emulator.apiBaseUrl,
          ccid: 'another-ccid',
          channelId: '999',
          channelSecret: OTHER_CHANNEL_SECRET,
          routingToken: OTHER_ROUTING_TOKEN,
        },
      });
    expect(other.status).toBe(201);
    await http()
      .post(`/v1/endpoints/${f.endpointId}/handovers`)
      .set('Authorization', `Bearer ${f.apiKey}`)
      .send({ sessionId, userId: consumerId, text: 'start' })
      .expect(202);
    await eventually(() => expect(f.bot.typesFor(sessionId)).toContain('handover.queued'), { timeoutMs: 15000 });
    interactionId = f.emulator.interactionFor(MCX_CHANNEL_ID, consumerId)!.id;
    f.emulator.accept(interactionId, { agentName: 'Sam' });
    f.emulator.write(interactionId, { text: 'genuine first' });
    await eventually(() => expect(botTexts()).toEqual(['genuine first']), { timeoutMs: 15000 });
  }, 60000);

  afterAll(async () => {
    for (const r of rows) {
      recordResult({
        scenario: `Hostile Multicloud CX: ${r.name}`,
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

  it('signatures: missing, forged, base64 instead of hex, sha256 instead of sha1, another endpoint’s secret, altered after signing → 401', async () => {
    const raw = agentText('sig-1', 'should never arrive');
    const altered = raw.replace('should never arrive', 'should never arrivE');
    const cases: [string, number][] = [
      ['missing', (await webhook(raw)).status],
      ['forged secret', (await webhook(raw, sha1hex('forged-secret-forged-secret', raw))).status],
      ['base64 digest', (await webhook(raw, `sha1=${createHmac('sha1', MCX_CHANNEL_SECRET).update(raw).digest('base64')}`)).status],
      ['sha256 hex', (await webhook(raw, `sha256=${createHmac('sha256', MCX_CHANNEL_SECRET).update(raw).digest('hex')}`)).status],
      [
        'sha1= with a sha256 digest',
        (await webhook(raw, `sha1=${createHmac('sha256', MCX_CHANNEL_SECRET).update(raw).digest('hex')}`)).status,
      ],
      [
        'X-Hub-Signature-256 header',
        (
          await http()
            .post(`/webhooks/genesys-mcx/${f.endpointId}`)
            .set('Content-Type', 'application/json')
            .set('X-Hub-Signature-256', `sha256=${createHmac('sha256', MCX_CHANNEL_SECRET).update(raw).digest('base64')}`)
            .send(raw)
        ).status,
      ],
      ['another endpoint’s secret', (await webhook(raw, sha1hex(OTHER_CHANNEL_SECRET, raw))).status],
      ['valid here, sent to another endpoint', (await webhook(raw, sha1hex(MCX_CHANNEL_SECRET, raw), undefined, 'other-mcx')).status],
      ['altered after signing', (await webhook(altered, sha1hex(MCX_CHANNEL_SECRET, raw))).status],
    ];
    for (const [name, status] of cases) note(`webhook signature ${name}`, '401', status);
    expect(cases.map(([name, status]) => [name, status])).toEqual(cases.map(([name]) => [name, 401]));

    const finished = JSON.stringify({
      operationId: 'op-forged',
      data: { entities: [{ event: 'FINISHED', entity: { id: interactionId } }] },
    });
    const forgedEnd = [
      (await post(`/webhooks/genesys-mcx/${f.endpointId}/interactions`, finished)).status,
      (await post(`/webhooks/genesys-mcx/${f.endpointId}/interactions`, finished, sha1hex(OTHER_CHANNEL_SECRET, finished))).status,
    ];
    note('Interactions webhook FINISHED unsigned / other secret', '401, handover stays live', ...forgedEnd);
    expect(forgedEnd).toEqual([401, 401]);
    const session = await http().get(`/v1/endpoints/${f.endpointId}/sessions/${sessionId}`).set('Authorization', `Bearer ${f.apiKey}`);
    expect(session.body.handover.state).toBe('active');
    expect(botTexts()).toEqual(['genuine first']);
  });

  it('a replayed webhook (same channel.messageId, valid signature) is answered each time and delivered once', async () => {
    const replay = agentText('replay-1', 'replayed once');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await webhook(replay, sha1hex(MCX_CHANNEL_SECRET, replay));
      statuses.push(res.status);
      expect(res.body).toEqual({ messageId: 'replay-1' });
    }
    note('webhook replayed 3× (same messageId, valid signature)', '200 {messageId}, delivered once', ...statuses);
    expect(statuses).toEqual([200, 200, 200]);
    await eventually(() => expect(botTexts()).toContain('replayed once'), { timeoutMs: 10000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(botTexts().filter((t) => t === 'replayed once')).toHaveLength(1);
  });

  it('bodies: malformed, not a message, deeply nested, huge arrays, oversize, other content types → 4xx, never 5xx; nothing relayed', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const deepObject = '{"a":'.repeat(3000) + '1' + '}'.repeat(3000);
    const deepInChannel = JSON.stringify({ channel: { to: { id: consumerId }, messageId: 'deep-1' }, type: 'Text', text: 'deep' }).replace(
      '"messageId"',
      `"x":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)},"messageId"`,
    );
    const hugeArray = JSON.stringify({ messages: Array.from({ length: 100000 }, () => 1) });
    const hugeField = JSON.stringify({
      ...JSON.parse(agentText('huge-1', 'huge field')),
      padding: Array.from({ length: 100000 }, () => 1),
    });
    const oversize = agentText('big-1', 'x'.repeat(1024 * 1024 + 10));
    const plain = agentText('ct-1', 'plain text body');
    const cases: [string, string, string, number[]][] = [
      ['malformed JSON', '{"channel": {"to": ', 'application/json', [400]],
      ['a JSON array', JSON.stringify([JSON.parse(agentText('arr-1', 'in an array'))]), 'application/json', [400]],
      ['no channel.to.id', JSON.stringify({ channel: { messageId: 'x' }, type: 'Text', text: 'x' }), 'application/json', [400]],
      ['deep nesting 5000 arrays', deep, 'application/json', [400]],
      ['deep nesting 3000 objects', deepObject, 'application/json', [400]],
      ['deep nesting inside a message', deepInChannel, 'application/json', [200, 400]],
      ['messages array of 100 000 items', hugeArray, 'application/json', [400]],
      ['message with a 100 000-item field', hugeField, 'application/json', [200, 400]],
      ['oversize 1 MiB + 10', oversize, 'application/json', [413]],
      ['text/plain content type', plain, 'text/plain', [400, 401, 415]],
    ];
    for (const [name, raw, type, expected] of cases) {
      const res = await webhook(raw, sha1hex(MCX_CHANNEL_SECRET, raw), type);
      note(`webhook ${name}`, expected.join('/'), res.status);
      expect({ name, status: res.status, ok: expected.includes(res.status) }).toEqual({ name, status: res.status, ok: true });
    }
    const interactionsCases: [string, string, number[]][] = [
      ['malformed JSON', '{"data": ', [400]],
      ['no entities', JSON.stringify({ operationId: 'x', data: {} }), [400]],
      ['3000 nested objects', deepObject, [400]],
      ['oversize', JSON.stringify({ data: { entities: [], pad: 'x'.repeat(1024 * 1024 + 10) } }), [413]],
    ];
    for (const [name, raw, expected] of interactionsCases) {
      const res = await post(`/webhooks/genesys-mcx/${f.endpointId}/interactions`, raw, sha1hex(MCX_CHANNEL_SECRET, raw));
      note(`Interactions webhook ${name}`, expected.join('/'), res.status);
      expect({ name, status: res.status, ok: expected.includes(res.status) }).toEqual({ name, status: res.status, ok: true });
    }
    // Still serving, and nothing of the hostile bodies reached the bot (only what a valid message carried).
    const ok = agentText('after-hostile', 'still alive');
    expect((await webhook(ok, sha1hex(MCX_CHANNEL_SECRET, ok))).body).toEqual({ messageId: 'after-hostile' });
    await eventually(() => expect(botTexts()).toContain('still alive'), { timeoutMs: 10000 });
    for (const text of botTexts()) expect(['genuine first', 'replayed once', 'deep', 'huge field', 'still alive']).toContain(text);
    expect(f.bot.typesFor(sessionId)).not.toContain('handover.ended');
  });

  it('routing-context: no token, wrong tokens, another endpoint’s token → 401; brute force → 429; bad bodies → 400/413', async () => {
    const route = (token: string | undefined, body: unknown) => {
      const req = http().post(`/webhooks/genesys-mcx/${f.endpointId}/routing-context`);
      return (token ? req.set('Authorization', `Bearer ${token}`) : req).send(body as object);
    };
    const valid = { consumerId, interactionId };
    const badBodies: [string, unknown, number[]][] = [
      ['consumerId as object', { consumerId: { $ne: 1 }, interactionId }, [400]],
      ['extra field', { ...valid, admin: true }, [400]],
      ['interactionId 10 000 chars', { consumerId, interactionId: 'i'.repeat(10000) }, [400]],
      ['oversize', { ...valid, pad: 'x'.repeat(1024 * 1024 + 10) }, [413]],
    ];
    for (const [name, body, expected] of badBodies) {
      const res = await route(MCX_ROUTING_TOKEN, body);
      note(`routing-context ${name}`, expected.join('/'), res.status);
      expect({ name, status: res.status, ok: expected.includes(res.status) }).toEqual({ name, status: res.status, ok: true });
    }
    const refused = [
      (await route(undefined, valid)).status,
      (await route(`${MCX_ROUTING_TOKEN}x`, valid)).status,
      (await route(OTHER_ROUTING_TOKEN, valid)).status,
      (await route(MCX_CHANNEL_SECRET, valid)).status,
      (await route(MCX_API_KEY, valid)).status,
    ];
    note('routing-context missing/wrong/other endpoint token', '401', ...refused);
    expect(refused).toEqual([401, 401, 401, 401, 401]);
    // The bound interaction did not change hands.
    const session = await http().get(`/v1/endpoints/${f.endpointId}/sessions/${sessionId}`).set('Authorization', `Bearer ${f.apiKey}`);
    expect(session.body.handover.conversationId).toBe(interactionId);

    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await route(`guess-${i}-000000000000000000000`, valid)).status);
    note('routing-context 25 guessed tokens', '401 then 429', ...statuses);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });

  it('no secret of the endpoint in clear in the logs or in any Redis key or value', async () => {
    const secrets = [
      MCX_CHANNEL_SECRET,
      MCX_API_KEY,
      MCX_ROUTING_TOKEN,
      OTHER_CHANNEL_SECRET,
      OTHER_ROUTING_TOKEN,
      CALLBACK_SECRET,
      f.apiKey,
    ];
    const logs = f.t.logs.text();
    const { keys, text: haystack } = await dumpRedis(f.t);
    const found = secrets.filter((s) => logs.includes(s) || haystack.includes(s));
    note(`secrets (${secrets.length}) in ${logs.length} B of logs and ${keys.length} Redis keys`, '0 found', found.length);
    expect(keys.length).toBeGreaterThan(5);
    expect(found).toEqual([]);
    expect(f.t.logs.lines.length).toBeLessThan(2000);
  });
});
