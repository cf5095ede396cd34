import { createHmac } from 'node:crypto';
import request from 'supertest';
import { createHandoverFixture, HandoverFixture, INTEGRATION_ID, WEBHOOK_SECRET } from './support/handover-fixture';
import { TEST_ADMIN_TOKEN } from './support/test-app';
import { eventually } from './support/wait-for-jobs';

const EVENTS_TOKEN = 'process-automation-events-token-0123';
const sign = (raw: string) => `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('base64')}`;

/** The audit's smaller truths, each against the emulator over HTTP and WebSocket. */
describe('Genesys details: inbound receipts, disconnect races, wait per conversation, capacity, events token', () => {
  let f: HandoverFixture;
  const api = () => request(f.t.app.getHttpServer());
  const admin = (method: 'get' | 'patch', path: string) => api()[method](path).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
  const bot = (method: 'get' | 'post', path: string) =>
    api()[method](`/v1/endpoints/${f.endpointId}${path}`).set('Authorization', `Bearer ${f.apiKey}`);
  const timeline = async (sessionId: string) =>
    (await admin('get', `/admin/v1/endpoints/${f.endpointId}/sessions/${sessionId}`).expect(200)).body.timeline as {
      event: string;
      detail?: Record<string, unknown>;
    }[];

  async function queued(sessionId: string): Promise<string> {
    await bot('post', '/handovers')
      .send({ sessionId, userId: `u-${sessionId}`, text: 'hello' })
      .expect(202);
    await eventually(() => expect(f.bot.typesFor(sessionId)).toContain('handover.queued'));
    return f.emulator.conversationFor(INTEGRATION_ID, `u-${sessionId}`)!.id;
  }

  async function active(sessionId: string): Promise<string> {
    const conversationId = await queued(sessionId);
    f.emulator.joinAgent(conversationId, { agentName: 'Sam' });
    await eventually(() => expect(f.bot.typesFor(sessionId)).toContain('agent.joined'));
    return conversationId;
  }

  beforeAll(async () => {
    f = await createHandoverFixture({ handoverDefaults: { queueUpdateIntervalSeconds: 1 } });
  });

  afterAll(async () => {
    await f.close();
  });

  it('a Failed receipt for the customer’s own message (direction Inbound) is a rejected customer message, not an agent failure', async () => {
    const conversationId = await active('rcpt');
    const receipt = (direction: 'Inbound' | 'Outbound', id: string) =>
      JSON.stringify({
        id,
        channel: { id: INTEGRATION_ID, to: { id: 'u-rcpt', idType: 'Opaque' }, time: new Date().toISOString() },
        conversationId,
        type: 'Receipt',
        status: 'Failed',
        direction,
        isFinalReceipt: true,
        reasons: [{ code: 'MediaTypeNotAllowed', message: 'not allowed' }],
      });
    for (const raw of [receipt('Inbound', 'customer-msg-1'), receipt('Outbound', 'agent-msg-1')]) {
      await api()
        .post(`/webhooks/genesys/${f.endpointId}`)
        .set('Content-Type', 'application/json')
        .set('X-Hub-Signature-256', sign(raw))
        .send(raw)
        .expect(200);
    }
    await eventually(async () => {
      const events = (await timeline('rcpt')).filter((e) => e.event.startsWith('provider.'));
      expect(events.map((e) => [e.event, e.detail?.providerMessageId])).toEqual([
        ['provider.customer_message_rejected', 'customer-msg-1'],
        ['provider.receipt_failed', 'agent-msg-1'],
      ]);
    });
  });

  it('a disconnect that races the customer leaving is done, not dead-lettered', async () => {
    const conversationId = await active('race');
    const participants = `/api/v2/conversations/messages/${conversationId}/participants`;
    f.emulator.addFault({ mode: 'delay', count: 1, delayMs: 400, pathPrefix: participants });
    await bot('post', '/sessions/race/release').send().expect(202);
    // Our PATCH is on its way; the customer leaves first.
    await eventually(() =>
      expect(f.emulator.apiCalls().calls.some((c) => c.method === 'PATCH' && c.path.startsWith(participants))).toBe(true),
    );
    f.emulator.customerLeaves(conversationId);
    await eventually(() =>
      expect(f.emulator.apiCalls().calls.find((c) => c.method === 'PATCH' && c.path.startsWith(participants))?.status).toBe(400),
    );
    await new Promise((r) => setTimeout(r, 500));
    const deadLetters = await admin('get', `/admin/v1/dead-letters?endpointId=${f.endpointId}`).expect(200);
    expect(deadLetters.body.items).toEqual([]);
    expect(
      f.bot
        .forSession('race')
        .filter((e) => e.type === 'handover.ended')
        .map((e) => e.data),
    ).toEqual([{ reason: 'bot_released' }]);
  });

  it('estimates the wait per conversation where Genesys does (its place in the queue)', async () => {
    f.emulator.setRouting({ estimatedWaitSeconds: 20 });
    await queued('ewt-1');
    await queued('ewt-2');
    const waits = (sessionId: string) =>
      f.bot
        .forSession(sessionId)
        .filter((e) => e.type === 'handover.queue_update')
        .map((e) => (e.data as { estimatedWaitMs?: number }).estimatedWaitMs);
    await eventually(() => {
      expect(waits('ewt-1').at(-1)).toBe(20000);
      expect(waits('ewt-2').at(-1)).toBe(40000);
    });
    const calls = f.emulator.apiCalls().calls.filter((c) => c.path.endsWith('/estimatedwaittime'));
    expect(calls.some((c) => !c.path.includes('/mediatypes/'))).toBe(true);
  });

  it('counts agents with spare messaging capacity: INTERACTING agents while nobody waits', async () => {
    const availability = async () => (await bot('get', '/availability').expect(200)).body;
    f.emulator.setRouting({ agentsIdle: 0, agentsInteracting: 2, waiting: 0 });
    expect(await availability()).toEqual({ available: true, agentsAvailable: 0, agentsInteracting: 2, conversationsWaiting: 0 });
    f.emulator.setRouting({ waiting: 3 });
    expect(await availability()).toMatchObject({ available: false, agentsInteracting: 2, conversationsWaiting: 3 });
    f.emulator.setRouting({ agentsIdle: 1 });
    expect(await availability()).toMatchObject({ available: true, agentsAvailable: 1 });
    f.emulator.setRouting({ agentsIdle: 0, agentsInteracting: 0, waiting: 0 });
    expect(await availability()).toMatchObject({ available: false });
  });

  it('accepts a per-endpoint static events token on /events (a workflow cannot sign); never on the message webhook', async () => {
    const post = (path: string, raw: string, headers: Record<string, string>) => {
      let req = api().post(path).set('Content-Type', 'application/json');
      for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
      return req.send(raw);
    };
    const conversationId = await active('token');
    const end = JSON.stringify({
      topicName: `v2.detail.events.conversation.${conversationId}.customer.end`,
      eventBody: { conversationId, participantId: 'p-customer', disconnectType: 'PEER', eventTime: Date.now() },
    });
    const events = `/webhooks/genesys/${f.endpointId}/events`;
    // No token configured yet: a bearer token is no authentication.
    await post(events, end, { Authorization: `Bearer ${EVENTS_TOKEN}` }).expect(401);

    const short = await admin('patch', `/admin/v1/endpoints/${f.endpointId}`).send({ provider: { eventsToken: 'short' } });
    expect(short.status).toBe(400);
    expect(short.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/^provider\.eventsToken /)]));
    const patched = await admin('patch', `/admin/v1/endpoints/${f.endpointId}`)
      .send({ provider: { eventsToken: EVENTS_TOKEN } })
      .expect(200);
    expect(patched.body.provider).toMatchObject({ hasEventsToken: true });
    expect(JSON.stringify(patched.body)).not.toContain(EVENTS_TOKEN);
    const stored = await f.t.redis.keys(`${f.t.prefix}:*`);
    const values = await Promise.all(stored.map((k) => f.t.redis.type(k).then((t) => (t === 'string' ? f.t.redis.get(k) : ''))));
    expect(values.some((v) => v?.includes(EVENTS_TOKEN))).toBe(false);

    await post(events, end, { Authorization: 'Bearer not-the-events-token-000000' }).expect(401);
    const message = JSON.stringify({ id: 'm-token', type: 'Text', text: 'hi', channel: { to: { id: 'u-token' } }, conversationId });
    await post(`/webhooks/genesys/${f.endpointId}`, message, { Authorization: `Bearer ${EVENTS_TOKEN}` }).expect(401);
    expect(f.bot.typesFor('token')).not.toContain('handover.ended');

    await post(events, end, { Authorization: `Bearer ${EVENTS_TOKEN}` }).expect(200, {});
    await eventually(() =>
      expect(f.bot.forSession('token').at(-1)).toMatchObject({ type: 'handover.ended', data: { reason: 'agent_ended' } }),
    );
    // The signature still works next to it.
    await post(events, end, { 'X-Hub-Signature-256': sign(end) }).expect(200);
  });
});
