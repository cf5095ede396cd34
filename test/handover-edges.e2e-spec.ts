import { createHmac } from 'node:crypto';
import request from 'supertest';
import { createHandoverFixture, HandoverFixture, INTEGRATION_ID, WEBHOOK_SECRET } from './support/handover-fixture';
import { TEST_ADMIN_TOKEN } from './support/test-app';
import { eventually } from './support/wait-for-jobs';

describe('handover edges: releases, timeouts, conflicts, duplicates', () => {
  let f: HandoverFixture;
  const api = () => request(f.t.app.getHttpServer());
  const bot = (path: string) => api().post(`/v1/endpoints/${f.endpointId}${path}`).set('Authorization', `Bearer ${f.apiKey}`);
  const start = (sessionId: string, userId = `u-${sessionId}`) =>
    bot('/handovers').send({ sessionId, userId, text: `hello from ${sessionId}` });
  const queued = async (sessionId: string) => {
    await eventually(() => expect(f.bot.typesFor(sessionId)).toContain('handover.queued'));
    return f.emulator.conversationFor(INTEGRATION_ID, `u-${sessionId}`)!;
  };
  const customerState = (conversationId: string) =>
    f.emulator.conversation(conversationId)!.participants.find((p) => p.purpose === 'customer')!.state;

  beforeAll(async () => {
    f = await createHandoverFixture();
  });

  afterAll(async () => {
    await f.close();
  });

  it('bot release while queued disconnects the customer participant and ends with bot_released', async () => {
    expect((await start('rel-q')).status).toBe(202);
    const conversation = await queued('rel-q');
    expect((await bot('/sessions/rel-q/release').send()).status).toBe(202);
    await eventually(() => expect(customerState(conversation.id)).toBe('disconnected'));
    await eventually(() =>
      expect(f.bot.forSession('rel-q').at(-1)).toMatchObject({ type: 'handover.ended', data: { reason: 'bot_released' } }),
    );
    expect((await bot('/sessions/rel-q/release').send()).status).toBe(409);
  });

  it('bot release while active disconnects the customer, and user messages sent before it still reach the agent first', async () => {
    await start('rel-a');
    const conversation = await queued('rel-a');
    f.emulator.joinAgent(conversation.id, { agentName: 'Sam' });
    await eventually(() => expect(f.bot.typesFor('rel-a')).toContain('agent.joined'));
    await bot('/sessions/rel-a/messages').send({ messageId: 'last', text: 'Thanks, bye' }).expect(202);
    await bot('/sessions/rel-a/release').send().expect(202);
    await eventually(() => expect(customerState(conversation.id)).toBe('disconnected'));
    const texts = f.emulator.conversation(conversation.id)!.messages.map((m) => (m.payload as { text?: string }).text);
    expect(texts).toContain('Thanks, bye');
    await eventually(() => expect(f.bot.forSession('rel-a').filter((e) => e.type === 'handover.ended')).toHaveLength(1));
    const session = await api().get(`/v1/endpoints/${f.endpointId}/sessions/rel-a`).set('Authorization', `Bearer ${f.apiKey}`).expect(200);
    expect(session.body.handover).toMatchObject({ state: 'ended', reason: 'bot_released' });
  });

  it('admin release ends with admin_released', async () => {
    await start('rel-admin');
    const conversation = await queued('rel-admin');
    await api()
      .post(`/admin/v1/endpoints/${f.endpointId}/sessions/rel-admin/release`)
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(202);
    await eventually(() =>
      expect(f.bot.forSession('rel-admin').at(-1)).toMatchObject({ type: 'handover.ended', data: { reason: 'admin_released' } }),
    );
    await eventually(() => expect(customerState(conversation.id)).toBe('disconnected'));
    const list = await api()
      .get('/admin/v1/sessions')
      .query({ endpointId: f.endpointId, state: 'ended' })
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(200);
    expect(list.body.items.map((s: { sessionId: string }) => s.sessionId)).toContain('rel-admin');
  });

  it('answers 409 for a second live handover of the session or the user, and for messages without one; 404 for unknown sessions', async () => {
    await start('busy');
    expect((await start('busy')).status).toBe(409);
    expect((await start('busy-2', 'u-busy')).body.message).toMatch(/already has a live handover in session busy/);
    expect((await bot('/sessions/never/messages').send({ text: 'hi' })).status).toBe(404);
    await bot('/sessions/busy/release').send().expect(202);
    expect((await bot('/sessions/busy/messages').send({ text: 'too late' })).status).toBe(409);
    expect((await bot('/sessions/busy/typing').send()).status).toBe(409);
  });

  it('answers availability 503 with a clear message while Genesys cannot answer, and again 200 after', async () => {
    const availability = () =>
      api().get(`/v1/endpoints/${f.endpointId}/availability?skills=escalation`).set('Authorization', `Bearer ${f.apiKey}`);
    f.emulator.addFault({ mode: '503', count: 20, pathPrefix: '/api/v2/analytics' });
    const down = await availability();
    expect(down.status).toBe(503);
    expect(down.body.message).toMatch(/^The contact center is unavailable: Genesys .* answered 503/);
    f.emulator.clearFaults();
    expect((await availability()).status).toBe(200);
  });

  it('delivers a duplicated bot message (same messageId) and a retried Genesys webhook (same id) once', async () => {
    await start('dup');
    const conversation = await queued('dup');
    f.emulator.joinAgent(conversation.id, { agentName: 'Sam' });
    await eventually(() => expect(f.bot.typesFor('dup')).toContain('agent.joined'));

    const first = await bot('/sessions/dup/messages').send({ messageId: 'm-dup', text: 'only once' }).expect(202);
    const second = await bot('/sessions/dup/messages').send({ messageId: 'm-dup', text: 'only once' }).expect(202);
    expect([first.body.duplicate, second.body.duplicate]).toEqual([false, true]);

    const body = JSON.stringify({
      id: 'genesys-msg-dup-1',
      channel: {
        id: INTEGRATION_ID,
        platform: 'Open',
        type: 'Private',
        messageId: 'genesys-msg-dup-1',
        to: { id: 'u-dup', idType: 'Opaque' },
        from: { id: INTEGRATION_ID, idType: 'Opaque' },
        time: new Date().toISOString(),
      },
      conversationId: conversation.id,
      type: 'Text',
      text: 'agent says once',
      direction: 'Outbound',
      originatingEntity: 'Human',
    });
    const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('base64')}`;
    for (let i = 0; i < 3; i++) {
      await api()
        .post(`/webhooks/genesys/${f.endpointId}`)
        .set('Content-Type', 'application/json')
        .set('X-Hub-Signature-256', signature)
        .send(body)
        .expect(200);
    }
    await eventually(() =>
      expect(f.bot.forSession('dup').some((e) => (e.data as { text?: string }).text === 'agent says once')).toBe(true),
    );
    await new Promise((r) => setTimeout(r, 400));
    expect(f.bot.forSession('dup').filter((e) => (e.data as { text?: string }).text === 'agent says once')).toHaveLength(1);
    const inbound = f.emulator.conversation(conversation.id)!.messages.filter((m) => (m.payload as { text?: string }).text === 'only once');
    expect(inbound).toHaveLength(1);
  });
});

describe('handover timeouts', () => {
  let f: HandoverFixture;
  const bot = (path: string) =>
    request(f.t.app.getHttpServer()).post(`/v1/endpoints/${f.endpointId}${path}`).set('Authorization', `Bearer ${f.apiKey}`);

  beforeAll(async () => {
    f = await createHandoverFixture({ handoverDefaults: { queueTimeoutSeconds: 1, inactivityTimeoutSeconds: 1 } });
  });

  afterAll(async () => {
    await f.close();
  });

  it('ends a handover nobody picks up with queue_timeout and disconnects it', async () => {
    await bot('/handovers').send({ sessionId: 'qt', userId: 'u-qt', text: 'anyone?' }).expect(202);
    await eventually(
      () => expect(f.bot.forSession('qt').at(-1)).toMatchObject({ type: 'handover.ended', data: { reason: 'queue_timeout' } }),
      { timeoutMs: 5000 },
    );
    const conversation = f.emulator.conversationFor(INTEGRATION_ID, 'u-qt')!;
    await eventually(() =>
      expect(conversation && f.emulator.conversation(conversation.id)!.participants.find((p) => p.purpose === 'customer')!.state).toBe(
        'disconnected',
      ),
    );
  });

  it('ends an active handover without messages with inactivity_timeout', async () => {
    await bot('/handovers').send({ sessionId: 'it', userId: 'u-it', text: 'hello' }).expect(202);
    await eventually(() => expect(f.bot.typesFor('it')).toContain('handover.queued'));
    const conversation = f.emulator.conversationFor(INTEGRATION_ID, 'u-it')!;
    f.emulator.joinAgent(conversation.id, { agentName: 'Sam' });
    await eventually(() => expect(f.bot.typesFor('it')).toContain('agent.joined'));
    await eventually(
      () => expect(f.bot.forSession('it').at(-1)).toMatchObject({ type: 'handover.ended', data: { reason: 'inactivity_timeout' } }),
      { timeoutMs: 5000 },
    );
    expect(f.bot.forSession('it').filter((e) => e.type === 'handover.ended')).toHaveLength(1);
  });
});

describe('delivery receipts with DELIVERED_RECEIPTS=false', () => {
  let f: HandoverFixture;
  const bot = (path: string) =>
    request(f.t.app.getHttpServer()).post(`/v1/endpoints/${f.endpointId}${path}`).set('Authorization', `Bearer ${f.apiKey}`);
  const receipts = (conversationId: string) =>
    f.emulator
      .conversation(conversationId)!
      .messages.filter((m) => m.type === 'Receipt')
      .map((m) => m.payload as { id?: string; status?: string });

  beforeAll(async () => {
    f = await createHandoverFixture({ env: { DELIVERED_RECEIPTS: 'false' } });
  });

  afterAll(async () => {
    await f.close();
  });

  it('sends no Delivered receipt, but still a Failed one for a message the bot refused', async () => {
    await bot('/handovers').send({ sessionId: 'rc', userId: 'u-rc', text: 'hello' }).expect(202);
    await eventually(() => expect(f.bot.typesFor('rc')).toContain('handover.queued'));
    const conversation = f.emulator.conversationFor(INTEGRATION_ID, 'u-rc')!;
    f.emulator.joinAgent(conversation.id, { agentName: 'Sam' });
    await eventually(() => expect(f.bot.typesFor('rc')).toContain('agent.joined'));

    f.emulator.agentMessage(conversation.id, { text: 'reaches the bot' });
    await eventually(() => expect(f.bot.forSession('rc').some((e) => e.type === 'agent.message')).toBe(true));
    // The bot refuses the next one for good (a 4xx): it is dead-lettered and Genesys hears it failed.
    f.bot.failNext(1, 400);
    f.emulator.agentMessage(conversation.id, { text: 'refused by the bot' });
    await eventually(() => expect(receipts(conversation.id)).toEqual([expect.objectContaining({ status: 'Failed' })]));
    expect(f.bot.forSession('rc').filter((e) => e.type === 'agent.message')).toHaveLength(1);
  });
});
