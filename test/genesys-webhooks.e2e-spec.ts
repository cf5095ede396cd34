import { createHmac, randomUUID } from 'node:crypto';
import request from 'supertest';
import { GenesysEmulator } from '../tools/emulators/genesys-cloud/emulator';
import type { Endpoint } from '../src/endpoints/endpoint.model';
import { EndpointsService } from '../src/endpoints/endpoints.service';
import { ProviderEventSink } from '../src/contact-center/provider-event-sink';
import type { ProviderEvent } from '../src/contact-center/provider-events';
import { ProviderRegistry } from '../src/contact-center/provider-registry';
import { createTestApp, TEST_ADMIN_TOKEN, TestApp } from './support/test-app';
import { eventually } from './support/wait-for-jobs';

const CLIENT = { clientId: 'webhook-test-client', clientSecret: 'webhook-test-client-secret' };
const SECRET = 'genesys-webhook-secret-for-tests-01';
const INTEGRATION_ID = 'c0ffee00-0000-4000-8000-00000000b001';
const AGENT_TEXT = 'Hello from Sam, your agent (never logged)';

const sign = (secret: string, raw: string | Buffer) => `sha256=${createHmac('sha256', secret).update(raw).digest('base64')}`;

/** The whole application, with Genesys played by the emulator, which signs and delivers its webhooks for real. */
describe('Genesys webhook intake', () => {
  let t: TestApp;
  let emulator: GenesysEmulator;
  let endpointId: string;
  let publish: jest.SpyInstance;
  const published: { endpointId: string; event: ProviderEvent }[] = [];

  const genesys = () => t.app.get(ProviderRegistry).get('genesys-cloud-open-messaging');
  const endpoint = (): Promise<Endpoint> => t.app.get(EndpointsService).get(endpointId);
  const post = (path: string, body: string, signature?: string) => {
    const req = request(t.app.getHttpServer()).post(path).set('Content-Type', 'application/json');
    if (signature !== undefined) req.set('X-Hub-Signature-256', signature);
    return req.send(body);
  };

  beforeAll(async () => {
    t = await createTestApp();
    emulator = await GenesysEmulator.start({ port: 0, oauthClients: [CLIENT], webhookRetryDelayMs: 100, webhookMaxRetries: 1 });
    endpointId = `gw-${randomUUID().slice(0, 8)}`;
    emulator.addIntegration({
      id: INTEGRATION_ID,
      webhookUrl: `${await t.app.getUrl()}/webhooks/genesys/${endpointId}`,
      webhookSecret: SECRET,
    });
    await request(t.app.getHttpServer())
      .post('/admin/v1/endpoints')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .send({
        id: endpointId,
        name: 'Webhook test',
        bot: { callbackUrl: 'https://bot.example.test/handover-events', callbackSecret: 'bot-callback-secret-0123456789' },
        provider: {
          type: 'genesys-cloud-open-messaging',
          apiBaseUrl: emulator.url,
          loginBaseUrl: emulator.url,
          ...CLIENT,
          integrationId: INTEGRATION_ID,
          webhookSecret: SECRET,
        },
      })
      .expect(201);
    const sink = t.app.get(ProviderEventSink);
    publish = jest.spyOn(sink, 'accept').mockImplementation(async (endpoint: Endpoint, events: ProviderEvent[]) => {
      for (const event of events) published.push({ endpointId: endpoint.id, event });
      return events.map(() => 'accepted' as const);
    });
  });

  afterAll(async () => {
    await emulator.close();
    await t.close();
  });

  beforeEach(() => {
    published.length = 0;
    publish.mockClear();
  });

  it('relays a real signed agent message and typing from Genesys to the bus, answering 200 {}', async () => {
    const customerId = `u-${randomUUID()}`;
    const { conversationId } = await genesys().sendCustomerMessage(await endpoint(), {
      customer: { id: customerId },
      messageId: 'm-1',
      time: new Date().toISOString(),
      text: 'help',
    });
    emulator.joinAgent(conversationId!, { agentName: 'Sam Agent' });
    emulator.agentTyping(conversationId!);
    const message = emulator.agentMessage(conversationId!, { text: AGENT_TEXT, quickReplies: [{ text: 'Yes' }, { text: 'No' }] });
    await emulator.webhooksIdle();

    const deliveries = emulator.webhookDeliveries();
    expect(deliveries.length).toBeGreaterThanOrEqual(2);
    for (const delivery of deliveries)
      expect(delivery).toMatchObject({ state: 'delivered', attempts: [expect.objectContaining({ status: 200 })] });
    await eventually(() => expect(published.map((p) => p.event.kind).sort()).toEqual(['agent.message', 'agent.typing']));
    expect(published.every((p) => p.endpointId === endpointId)).toBe(true);
    expect(published.find((p) => p.event.kind === 'agent.message')?.event).toMatchObject({
      kind: 'agent.message',
      providerEventId: message.id,
      customerId,
      conversationId,
      text: AGENT_TEXT,
      originatingEntity: 'Human',
      quickReplies: [
        { text: 'Yes', payload: 'Yes' },
        { text: 'No', payload: 'No' },
      ],
    });
    expect(t.logs.text()).not.toContain(AGENT_TEXT);
    expect(t.logs.text()).not.toContain(SECRET);
  });

  it('verifies the raw bytes: insignificant whitespace passes, a signature over re-serialised JSON does not', async () => {
    const raw = `{\n  "id" : "ws-1",\n  "type": "Text", "text": "spaced",\n  "channel": { "to": { "id": "u-9" }, "time": "2026-01-01T10:00:00.000Z" }\n}\n`;
    await post(`/webhooks/genesys/${endpointId}`, raw, sign(SECRET, raw)).expect(200, {});
    expect(published.map((p) => p.event)).toEqual([
      expect.objectContaining({ kind: 'agent.message', providerEventId: 'ws-1', text: 'spaced', customerId: 'u-9' }),
    ]);
    await post(`/webhooks/genesys/${endpointId}`, raw, sign(SECRET, JSON.stringify(JSON.parse(raw)))).expect(401);
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('verifies the exact bytes: CRLF and tab whitespace, escaped and literal unicode, decomposed accents, emoji', async () => {
    const text = 'Cafe\u0301 \u{1F469}\u200D\u{1F4BB} \u05E9\u05DC\u05D5\u05DD \u00e9';
    const raw = Buffer.from(
      `\t{\r\n"id":"uni-1",\t"type" :"Text",\r\n "text":"Cafe\u0301 \u{1F469}\u200D\u{1F4BB} \\u05E9\\u05DC\\u05D5\\u05DD \u00e9",` +
        `"channel":{"to":{"id":"u-uni"},"time":"2026-01-01T10:00:00.000Z"}}\r\n\r\n`,
      'utf8',
    );
    await post(`/webhooks/genesys/${endpointId}`, raw.toString('utf8'), sign(SECRET, raw)).expect(200, {});
    expect(published.map((p) => p.event)).toEqual([expect.objectContaining({ kind: 'agent.message', providerEventId: 'uni-1', text })]);
    const normalised = Buffer.from(raw.toString('utf8').normalize('NFC'), 'utf8');
    await post(`/webhooks/genesys/${endpointId}`, normalised.toString('utf8'), sign(SECRET, raw)).expect(401);
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('answers 413 in the JSON error shape for a body over 1 MiB, 400 for signed JSON that is malformed or not an object', async () => {
    const oversize = JSON.stringify({ id: 'big-1', type: 'Text', text: 'x'.repeat(1024 * 1024), channel: { to: { id: 'u-1' } } });
    const big = await post(`/webhooks/genesys/${endpointId}`, oversize, sign(SECRET, oversize));
    expect({ status: big.status, body: big.body }).toEqual({
      status: 413,
      body: { statusCode: 413, error: 'Payload Too Large', message: 'Request body exceeds the 1 MiB limit' },
    });
    for (const raw of ['{"id": "m-1", ', '42', '"text"', 'null']) {
      const res = await post(`/webhooks/genesys/${endpointId}`, raw, sign(SECRET, raw));
      expect({ raw, status: res.status, body: res.body }).toEqual({
        raw,
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', message: expect.any(String) },
      });
    }
    expect(publish).not.toHaveBeenCalled();
  });

  it('reads only JSON and form bodies: a signed body sent as text/plain has no raw bytes to verify (401)', async () => {
    const raw = JSON.stringify({ id: 'tp-1', type: 'Text', text: 'plain', channel: { to: { id: 'u-1' } } });
    await request(t.app.getHttpServer())
      .post(`/webhooks/genesys/${endpointId}`)
      .set('Content-Type', 'text/plain')
      .set('X-Hub-Signature-256', sign(SECRET, raw))
      .send(raw)
      .expect(401);
    expect(publish).not.toHaveBeenCalled();
  });

  it('answers 401 before storing anything for missing, hex, unprefixed or wrongly keyed signatures', async () => {
    const raw = JSON.stringify({ id: 'bad-1', type: 'Text', text: 'nope', channel: { to: { id: 'u-1' } } });
    const hex = `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
    const unprefixed = createHmac('sha256', SECRET).update(raw).digest('base64');
    for (const signature of [undefined, hex, unprefixed, sign('some-other-secret-value', raw), 'sha256=']) {
      const res = await post(`/webhooks/genesys/${endpointId}`, raw, signature);
      expect(res.status).toBe(401);
    }
    await post(`/webhooks/genesys/${endpointId}/events`, raw, hex).expect(401);
    expect(publish).not.toHaveBeenCalled();
  });

  it('answers 404 for an unknown endpoint', async () => {
    const raw = JSON.stringify({ id: 'x', type: 'Text', text: 'x' });
    await post('/webhooks/genesys/no-such-endpoint', raw, sign(SECRET, raw)).expect(404);
    await post('/webhooks/genesys/no-such-endpoint/events', raw, sign(SECRET, raw)).expect(404);
    expect(publish).not.toHaveBeenCalled();
  });

  it('acknowledges unknown message types without publishing or logging their text', async () => {
    const raw = JSON.stringify({ id: 'odd-1', type: 'Presence', text: 'secret customer words', channel: { to: { id: 'u-1' } } });
    await post(`/webhooks/genesys/${endpointId}`, raw, sign(SECRET, raw)).expect(200, {});
    expect(published).toEqual([]);
    expect(t.logs.text()).toContain("unsupported message type 'Presence'");
    expect(t.logs.text()).not.toContain('secret customer words');
  });

  it('maps signed conversation events (single or list) to conversation.signal, with the agent name', async () => {
    const customer = { id: `u-${randomUUID()}` };
    const { conversationId } = await genesys().sendCustomerMessage(await endpoint(), {
      customer,
      messageId: 'm-e',
      time: new Date().toISOString(),
      text: 'hi',
    });
    const agent = emulator.joinAgent(conversationId!, { agentName: 'Pat Agent' }).agent!;
    const topic = (suffix: string) => `v2.detail.events.conversation.${conversationId}.${suffix}`;
    const agentFields = { conversationId, participantId: agent.participantId, userId: agent.userId };
    const start = JSON.stringify({ topicName: topic('user.start'), eventBody: { ...agentFields, eventTime: 1767261600000 } });
    await post(`/webhooks/genesys/${endpointId}/events`, start, sign(SECRET, start)).expect(200, {});
    const list = JSON.stringify([
      {
        topicName: topic('acd.end'),
        eventBody: {
          conversationId,
          participantId: 'p-acd',
          acdOutcome: 'ANSWERED',
          answeredUserId: agent.userId,
          eventTime: 1767261601000,
        },
      },
      { topicName: topic('user.end'), eventBody: { ...agentFields, disconnectType: 'TRANSFER', eventTime: 1767261660000 } },
      { topicName: 'v2.users.someone.presence', eventBody: {} },
      {
        topicName: topic('customer.end'),
        eventBody: { conversationId, participantId: 'p-customer', disconnectType: 'CLIENT', eventTime: 1767261720000 },
      },
    ]);
    await post(`/webhooks/genesys/${endpointId}/events`, list, sign(SECRET, list)).expect(200, {});
    // user.start is the agent being alerted; acd.end ANSWERED is the answer, and only it carries the agent's name.
    expect(published.map((p) => p.event)).toEqual([
      expect.objectContaining({ kind: 'conversation.signal', signal: 'agent.alerting', conversationId, agentUserId: agent.userId }),
      expect.objectContaining({
        kind: 'conversation.signal',
        signal: 'agent.joined',
        conversationId,
        agentUserId: agent.userId,
        agentName: 'Pat Agent',
      }),
      expect.objectContaining({
        signal: 'agent.left',
        disconnectType: 'TRANSFER',
        disconnectClass: 'transfer',
        participantId: agent.participantId,
      }),
      expect.objectContaining({ signal: 'customer.left', disconnectType: 'CLIENT', endedBy: 'customer' }),
    ]);
  });

  it('accepts the previous secret during rotation', async () => {
    const NEW_SECRET = 'rotated-genesys-webhook-secret-02';
    await request(t.app.getHttpServer())
      .patch(`/admin/v1/endpoints/${endpointId}`)
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .send({ provider: { webhookSecret: NEW_SECRET } })
      .expect(200);
    const raw = JSON.stringify({
      id: 'rot-1',
      type: 'Event',
      events: [{ eventType: 'Typing', typing: { type: 'On', duration: 5000 } }],
      channel: { to: { id: 'u-1' } },
    });
    await post(`/webhooks/genesys/${endpointId}`, raw, sign(NEW_SECRET, raw)).expect(200);
    await post(`/webhooks/genesys/${endpointId}`, raw, sign(SECRET, raw)).expect(200);
    await post(`/webhooks/genesys/${endpointId}`, raw, sign('never-was-a-secret-000', raw)).expect(401);
    expect(published.map((p) => p.event)).toEqual([
      expect.objectContaining({ kind: 'agent.typing', durationMs: 5000 }),
      expect.objectContaining({ kind: 'agent.typing', durationMs: 5000 }),
    ]);
  });

  it('answers 503 with Retry-After when the events cannot be stored, so Genesys retries', async () => {
    publish.mockRejectedValueOnce(new Error('Connection is closed.'));
    const raw = JSON.stringify({ id: 'r-1', type: 'Text', text: 'later', channel: { to: { id: 'u-1' } } });
    const res = await post(`/webhooks/genesys/${endpointId}`, raw, sign(SECRET, raw)).expect(503);
    expect(res.headers['retry-after']).toBe('5');
  });

  it('documents both routes under the genesys-webhooks tag with the signature header (the events token as the alternative on /events)', async () => {
    const doc = (await request(t.app.getHttpServer()).get('/docs-json').expect(200)).body;
    for (const [path, required] of [
      ['/webhooks/genesys/{endpointId}', true],
      ['/webhooks/genesys/{endpointId}/events', false],
    ] as const) {
      const op = doc.paths[path].post;
      expect(op.tags).toEqual(['genesys-webhooks']);
      expect(op.parameters).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'X-Hub-Signature-256', in: 'header', required })]),
      );
    }
    expect(doc.paths['/webhooks/genesys/{endpointId}/events'].post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Authorization', in: 'header', required: false })]),
    );
  });
});
