import request from 'supertest';
import type { LogEntry } from '../tools/emulators/genesys-multicloud-cx';
import { createMcxFixture, MCX_CHANNEL_ID, MCX_ROUTING_TOKEN, McxFixture } from './support/mcx-fixture';
import { eventually } from './support/wait-for-jobs';

const customerTexts = (messages: LogEntry[]) =>
  messages.filter((m) => m.direction === 'Inbound' && m.type === 'Text').map((m) => (m.payload as { text?: string }).text);
const receipts = (messages: LogEntry[]) =>
  messages.filter((m) => m.direction === 'Inbound' && m.type === 'Receipt').map((m) => ({ id: m.id, ...m.payload }));
const settle = (ms = 500) => new Promise((r) => setTimeout(r, ms));

describe('Genesys Multicloud CX: a handover through the emulator (real HTTP and Redis)', () => {
  let f: McxFixture;
  const api = () => request(f.t.app.getHttpServer());
  const bot = (path: string) => api().post(`/v1/endpoints/${f.endpointId}${path}`).set('Authorization', `Bearer ${f.apiKey}`);
  const interactionOf = (consumerId: string) => f.emulator.interactionFor(MCX_CHANNEL_ID, consumerId);
  const open = async (sessionId: string, userId: string, body: Record<string, unknown> = {}) => {
    const res = await bot('/handovers').send({ sessionId, userId, text: `start ${sessionId}`, ...body });
    expect(res.status).toBe(202);
    const handoverId = res.body.handoverId as string;
    await eventually(() =>
      expect(f.bot.forSession(sessionId).some((e) => e.type === 'handover.queued' && e.handoverId === handoverId)).toBe(true),
    );
    return handoverId;
  };
  const ended = (sessionId: string) => f.bot.forSession(sessionId).filter((e) => e.type === 'handover.ended');

  beforeAll(async () => {
    // Outbound calls give up after 3 s: a hung Nexus call (fault `hang`) is retried within the tests' time.
    f = await createMcxFixture({ env: { HTTP_TIMEOUT_MS: '3000' }, handoverDefaults: { queueUpdateIntervalSeconds: 0 } });
  });

  afterEach(() => f.emulator.clearFaults());

  afterAll(async () => {
    await f.close();
  });

  it('plays the whole story: transcript and text in order, routing-context, STARTED, agent writes, Delivered, user replies, Done', async () => {
    const start = await bot('/handovers').send({
      sessionId: 's-story',
      userId: 'u-story',
      user: { nickname: 'Ada' },
      language: 'german',
      skills: ['billing', 'escalation'],
      priority: 5,
      customAttributes: { section: 'section A' },
      transcript: [
        { from: 'user', text: 'I want a human', time: '2026-01-01T10:00:00Z' },
        { from: 'bot', text: 'Connecting you…', time: '2026-01-01T10:00:01Z' },
      ],
      text: 'My invoice is wrong',
    });
    expect(start.status).toBe(202);
    const handoverId = start.body.handoverId as string;
    await eventually(() => expect(f.bot.typesFor('s-story')).toContain('handover.queued'));

    // At Nexus: one interaction for (channel, consumer), the transcript first, then the text, each its own request.
    const interaction = interactionOf('u-story')!;
    expect(customerTexts(interaction.messages)).toEqual([
      'Conversation with the bot so far:\n[User 10:00] I want a human\n[Bot 10:00] Connecting you…',
      'My invoice is wrong',
    ]);
    // The Designer application asked for the routing data (bearer routingToken), then STARTED reached the connector.
    await eventually(() => {
      const now = f.emulator.interaction(interaction.id)!;
      expect(now.routingCalls).toEqual([
        expect.objectContaining({
          status: 200,
          userData: {
            handoverId,
            language: 'german',
            skills: ['billing', 'escalation'],
            priority: 5,
            customAttributes: { region: 'Europe', section: 'section A' },
          },
        }),
      ]);
      expect(now.lifecycle).toEqual([{ event: 'STARTED', delivery: expect.objectContaining({ state: 'delivered' }) }]);
    });
    // The interaction id now belongs to the handover.
    const session = await api().get(`/v1/endpoints/${f.endpointId}/sessions/s-story`).set('Authorization', `Bearer ${f.apiKey}`);
    expect(session.body.handover).toMatchObject({ id: handoverId, state: 'queued', conversationId: interaction.id });
    expect(f.bot.typesFor('s-story')).toEqual(['handover.queued']);

    // No join event exists: the agent accepts silently; their first message brings agent.joined, then the message.
    f.emulator.accept(interaction.id, { agentName: 'Sam' });
    await settle(200);
    expect(f.bot.typesFor('s-story')).toEqual(['handover.queued']);
    const written = f.emulator.write(interaction.id, { text: 'Hello, I am Sam' });
    await eventually(() => expect(f.bot.typesFor('s-story')).toEqual(['handover.queued', 'agent.joined', 'agent.message']));
    expect(f.bot.forSession('s-story')[2]).toMatchObject({ handoverId, data: { text: 'Hello, I am Sam' } });
    // The webhook was answered 200 with the echoed messageId, and the agent sees it Delivered.
    await eventually(() => {
      const now = f.emulator.interaction(interaction.id)!;
      expect(now.messages.find((m) => m.id === written.id)?.delivery).toMatchObject({ state: 'delivered', attempts: [{ status: 200 }] });
      expect(receipts(now.messages)).toEqual([{ id: written.id, status: 'Delivered', reasons: [] }]);
    });

    // The user replies; the agent marks the interaction Done.
    await bot('/sessions/s-story/messages').send({ messageId: 'm-1', text: 'Thanks, it is order 42' }).expect(202);
    await eventually(() => expect(customerTexts(f.emulator.interaction(interaction.id)!.messages)).toContain('Thanks, it is order 42'));
    f.emulator.done(interaction.id);
    await eventually(() => expect(ended('s-story')).toHaveLength(1));
    expect(ended('s-story')[0].data).toEqual({ reason: 'agent_ended' });
    expect(f.emulator.interaction(interaction.id)!.lifecycle.map((l) => [l.event, l.delivery.state])).toEqual([
      ['STARTED', 'delivered'],
      ['FINISHED', 'delivered'],
    ]);
    // Ended by the agent: no goodbye text is sent.
    await settle();
    expect(customerTexts(f.emulator.interaction(interaction.id)!.messages).at(-1)).toBe('Thanks, it is order 42');
    expect(f.bot.typesFor('s-story')).toEqual(['handover.queued', 'agent.joined', 'agent.message', 'handover.ended']);
    expect(f.emulator.violations()).toEqual([]);
  });

  it('ends at once when the bot releases, and tells the agent with the goodbye text', async () => {
    await open('s-release', 'u-release');
    const interaction = interactionOf('u-release')!;
    f.emulator.accept(interaction.id, { agentName: 'Sam' });
    f.emulator.write(interaction.id, { text: 'How can I help?' });
    await eventually(() => expect(f.bot.typesFor('s-release')).toContain('agent.message'));
    await bot('/sessions/s-release/messages').send({ messageId: 'last', text: 'Never mind' }).expect(202);
    const released = await bot('/sessions/s-release/release').send({});
    expect(released.status).toBe(202);
    await eventually(() => expect(ended('s-release').map((e) => e.data)).toEqual([{ reason: 'bot_released' }]));
    // The user's last message first, then the goodbye; the interaction stays open until the agent marks it Done.
    await eventually(() =>
      expect(customerTexts(f.emulator.interaction(interaction.id)!.messages).slice(-2)).toEqual([
        'Never mind',
        'The customer has left the conversation.',
      ]),
    );
    expect(f.emulator.interaction(interaction.id)!.state).toBe('active');
    // A late agent message is acknowledged, never reaches the bot, and the agent sees it Failed (512).
    const late = f.emulator.write(interaction.id, { text: 'Are you still there?' });
    await eventually(() =>
      expect(receipts(f.emulator.interaction(interaction.id)!.messages)).toContainEqual({
        id: late.id,
        status: 'Failed',
        reasons: [{ code: 512, message: 'No live handover for this consumer' }],
      }),
    );
    f.emulator.done(interaction.id);
    await settle();
    expect(ended('s-release')).toHaveLength(1);
    expect(f.bot.forSession('s-release').filter((e) => e.type === 'agent.message')).toHaveLength(1);
  });

  it('ends on the queue timeout with the goodbye text, and a workflow stop of an unbound interaction changes nothing', async () => {
    const endpoint = await api()
      .patch(`/admin/v1/endpoints/${f.endpointId}`)
      .set('Authorization', 'Bearer test-admin-token-0123456789')
      .send({ handoverDefaults: { queueTimeoutSeconds: 1 }, provider: { goodbyeText: 'Der Kunde ist gegangen.' } });
    expect(endpoint.status).toBe(200);
    try {
      await open('s-queue', 'u-queue');
      await eventually(() => expect(ended('s-queue').map((e) => e.data)).toEqual([{ reason: 'queue_timeout' }]), { timeoutMs: 5000 });
      const interaction = interactionOf('u-queue')!;
      await eventually(() =>
        expect(customerTexts(f.emulator.interaction(interaction.id)!.messages).at(-1)).toBe('Der Kunde ist gegangen.'),
      );
      f.emulator.stopByWorkflow(interaction.id);
      await settle();
      expect(ended('s-queue')).toHaveLength(1);
    } finally {
      await api()
        .patch(`/admin/v1/endpoints/${f.endpointId}`)
        .set('Authorization', 'Bearer test-admin-token-0123456789')
        .send({ handoverDefaults: { queueTimeoutSeconds: null }, provider: { goodbyeText: null } })
        .expect(200);
    }
  });

  it('a handover released before its opening reached Nexus sends no goodbye; one released while it was on its way does', async () => {
    // Nexus refuses everything until the handover has ended and the opening has been given up.
    f.emulator.addFault({ mode: '503', count: 1000, pathPrefix: '/nexus/v3/channels' });
    await bot('/handovers').send({ sessionId: 's-early', userId: 'u-early', text: 'start' }).expect(202);
    await eventually(() => expect(f.emulator.apiCalls().calls.some((c) => c.fault === '503')).toBe(true));
    await bot('/sessions/s-early/release').send({}).expect(202);
    await eventually(() => expect(ended('s-early').map((e) => e.data)).toEqual([{ reason: 'bot_released' }]));
    await settle(2500);
    f.emulator.clearFaults();
    await settle(1000);
    expect(interactionOf('u-early')).toBeUndefined();
    expect(f.bot.typesFor('s-early')).toEqual(['handover.ended']);

    // The opening's call hangs (no answer) while the bot releases; retried after the timeout, it reaches Nexus after
    // the end: the agent must then get the goodbye too, not a lone opening.
    f.emulator.addFault({ mode: 'hang', count: 1, pathPrefix: '/nexus/v3/channels' });
    await bot('/handovers').send({ sessionId: 's-late', userId: 'u-late', text: 'start late' }).expect(202);
    await eventually(() => expect(f.emulator.apiCalls().calls.some((c) => c.fault === 'hang')).toBe(true));
    await bot('/sessions/s-late/release').send({}).expect(202);
    await eventually(() => expect(ended('s-late')).toHaveLength(1));
    await eventually(
      () =>
        expect(customerTexts(interactionOf('u-late')?.messages ?? [])).toEqual(['start late', 'The customer has left the conversation.']),
      { timeoutMs: 15000 },
    );
    expect(f.bot.typesFor('s-late')).toEqual(['handover.ended']);
  });

  it('ends on the inactivity timeout with the goodbye text; a message the bot refuses is Failed at the agent with 530', async () => {
    await api()
      .patch(`/admin/v1/endpoints/${f.endpointId}`)
      .set('Authorization', 'Bearer test-admin-token-0123456789')
      .send({ handoverDefaults: { inactivityTimeoutSeconds: 2 } })
      .expect(200);
    try {
      await open('s-idle', 'u-idle');
      const interaction = interactionOf('u-idle')!;
      f.emulator.accept(interaction.id, { agentName: 'Sam' });
      f.emulator.write(interaction.id, { text: 'hello' });
      await eventually(() => expect(f.bot.typesFor('s-idle')).toContain('agent.message'));
      f.bot.failNext(1, 404);
      const refused = f.emulator.write(interaction.id, { text: 'the bot answers 404 to this' });
      await eventually(() =>
        expect(receipts(f.emulator.interaction(interaction.id)!.messages)).toContainEqual({
          id: refused.id,
          status: 'Failed',
          reasons: [{ code: 530, message: 'Bot callback answered 404' }],
        }),
      );
      await eventually(() => expect(ended('s-idle').map((e) => e.data)).toEqual([{ reason: 'inactivity_timeout' }]), { timeoutMs: 8000 });
      await eventually(() =>
        expect(customerTexts(f.emulator.interaction(interaction.id)!.messages).at(-1)).toBe('The customer has left the conversation.'),
      );
    } finally {
      await api()
        .patch(`/admin/v1/endpoints/${f.endpointId}`)
        .set('Authorization', 'Bearer test-admin-token-0123456789')
        .send({ handoverDefaults: { inactivityTimeoutSeconds: null } })
        .expect(200);
    }
  });

  it('per-user: a re-handover after Done is a new interaction; one after a release continues the open one, and its Done ends it', async () => {
    await open('s-again', 'u-again', { transcript: [{ from: 'user', text: 'first', time: '2026-01-01T10:00:00Z' }] });
    const first = interactionOf('u-again')!;
    f.emulator.accept(first.id, { agentName: 'Sam' });
    f.emulator.write(first.id, { text: 'one' });
    await eventually(() => expect(f.bot.typesFor('s-again')).toContain('agent.message'));
    f.emulator.done(first.id);
    await eventually(() => expect(ended('s-again')).toHaveLength(1));

    // After Done: the same consumer id (the userId), a new interaction, routed and bound again; only the new transcript.
    const second = await open('s-again', 'u-again', {
      transcript: [
        { from: 'user', text: 'first', time: '2026-01-01T10:00:00Z' },
        { from: 'user', text: 'second', time: '2026-01-01T11:00:00Z' },
      ],
    });
    const next = interactionOf('u-again')!;
    expect(next.id).not.toBe(first.id);
    expect(customerTexts(next.messages)).toEqual(['Conversation with the bot so far:\n[User 11:00] second', 'start s-again']);
    await eventually(() => expect(f.emulator.interaction(next.id)!.routingCalls[0]?.userData).toMatchObject({ handoverId: second }));
    f.emulator.accept(next.id, { agentName: 'Kim' });
    f.emulator.write(next.id, { text: 'two' });
    await eventually(() => expect(f.bot.forSession('s-again').filter((e) => e.type === 'agent.joined')).toHaveLength(2));

    // Released by the bot: the interaction stays open (no disconnect call); a third handover continues in it.
    await bot('/sessions/s-again/release').send({}).expect(202);
    await eventually(() => expect(ended('s-again')).toHaveLength(2));
    const third = await open('s-again', 'u-again');
    expect(interactionOf('u-again')!.id).toBe(next.id);
    f.emulator.write(next.id, { text: 'three' });
    await eventually(() =>
      expect(f.bot.forSession('s-again').filter((e) => e.type === 'agent.message' && e.handoverId === third)).toHaveLength(1),
    );
    f.emulator.done(next.id);
    await eventually(() =>
      expect(ended('s-again').map((e) => [e.handoverId, e.data])).toEqual([
        [expect.any(String), { reason: 'agent_ended' }],
        [second, { reason: 'bot_released' }],
        [third, { reason: 'agent_ended' }],
      ]),
    );
  });

  it('per-handover: every handover is a fresh consumer (hc-<handoverId>) and interaction; the old one gets 512s', async () => {
    await api()
      .patch(`/admin/v1/endpoints/${f.endpointId}`)
      .set('Authorization', 'Bearer test-admin-token-0123456789')
      .send({ provider: { customerIdMode: 'per-handover' } })
      .expect(200);
    try {
      const one = await open('s-ph', 'u-ph');
      const first = interactionOf(`hc-${one}`)!;
      expect(interactionOf('u-ph')).toBeUndefined();
      f.emulator.accept(first.id, { agentName: 'Sam' });
      f.emulator.write(first.id, { text: 'hello one' });
      await eventually(() => expect(f.bot.typesFor('s-ph')).toContain('agent.message'));
      await bot('/sessions/s-ph/release').send({}).expect(202);
      await eventually(() => expect(ended('s-ph')).toHaveLength(1));

      const two = await open('s-ph', 'u-ph');
      const second = interactionOf(`hc-${two}`)!;
      expect(second.id).not.toBe(first.id);
      await eventually(() => expect(f.emulator.interaction(second.id)!.routingCalls[0]?.userData).toMatchObject({ handoverId: two }));
      // The first agent writes again into the old interaction: refused (512), not delivered to the new handover.
      const late = f.emulator.write(first.id, { text: 'still there?' });
      f.emulator.accept(second.id, { agentName: 'Kim' });
      f.emulator.write(second.id, { text: 'hello two' });
      await eventually(() =>
        expect(
          f.bot
            .forSession('s-ph')
            .filter((e) => e.handoverId === two)
            .map((e) => e.type),
        ).toEqual(['handover.queued', 'agent.joined', 'agent.message']),
      );
      await eventually(() =>
        expect(receipts(f.emulator.interaction(first.id)!.messages)).toContainEqual(
          expect.objectContaining({ id: late.id, status: 'Failed', reasons: [expect.objectContaining({ code: 512 })] }),
        ),
      );
      // Done on the first interaction does not end the second handover.
      f.emulator.done(first.id);
      await settle();
      expect(ended('s-ph')).toHaveLength(1);
      f.emulator.done(second.id);
      await eventually(() =>
        expect(ended('s-ph').map((e) => [e.handoverId, e.data])).toEqual([
          [one, { reason: 'bot_released' }],
          [two, { reason: 'agent_ended' }],
        ]),
      );
    } finally {
      await api()
        .patch(`/admin/v1/endpoints/${f.endpointId}`)
        .set('Authorization', 'Bearer test-admin-token-0123456789')
        .send({ provider: { customerIdMode: null } })
        .expect(200);
    }
  });

  it('redeliveries reach the bot once: duplicates, a delayed delivery, and FINISHED twice', async () => {
    await open('s-redeliver', 'u-redeliver');
    const interaction = interactionOf('u-redeliver')!;
    f.emulator.accept(interaction.id, { agentName: 'Sam' });
    f.emulator.addWebhookFault({ mode: 'duplicate', count: 3 });
    for (const text of ['a', 'b', 'c']) f.emulator.write(interaction.id, { text });
    f.emulator.addWebhookFault({ mode: 'delay', count: 1, delayMs: 300 });
    f.emulator.write(interaction.id, { text: 'late' });
    f.emulator.write(interaction.id, { text: 'd' });
    await eventually(() => expect(f.bot.forSession('s-redeliver').filter((e) => e.type === 'agent.message')).toHaveLength(5));
    await f.emulator.webhooksIdle();
    const deliveries = f.emulator.interaction(interaction.id)!.messages.filter((m) => m.delivery);
    expect(deliveries.slice(0, 3).map((m) => m.delivery!.attempts.map((a) => a.status))).toEqual([
      [200, 200],
      [200, 200],
      [200, 200],
    ]);
    const texts = f.bot
      .forSession('s-redeliver')
      .filter((e) => e.type === 'agent.message')
      .map((e) => (e.data as { text?: string }).text);
    expect(texts.slice(0, 3)).toEqual(['a', 'b', 'c']);
    expect([...texts].sort()).toEqual(['a', 'b', 'c', 'd', 'late']);
    expect(f.bot.typesFor('s-redeliver').filter((t) => t === 'agent.joined')).toHaveLength(1);

    f.emulator.addWebhookFault({ mode: 'duplicate', count: 1, webhook: 'interactions' });
    f.emulator.done(interaction.id);
    await eventually(() => expect(ended('s-redeliver')).toHaveLength(1));
    await f.emulator.webhooksIdle();
    expect(
      f.emulator
        .interaction(interaction.id)!
        .lifecycle.at(-1)!
        .delivery.attempts.map((a) => a.status),
    ).toEqual([200, 200]);
    await settle();
    expect(ended('s-redeliver')).toHaveLength(1);
    expect(f.emulator.violations()).toEqual([]);
  });

  it('a wrong signature is refused (401) and nothing reaches the bot; an unsupported type is acknowledged and Failed 510', async () => {
    await open('s-odd', 'u-odd');
    const interaction = interactionOf('u-odd')!;
    f.emulator.accept(interaction.id, { agentName: 'Sam' });
    f.emulator.addWebhookFault({ mode: 'wrong-signature', count: 1 });
    const forged = f.emulator.write(interaction.id, { text: 'forged' });
    const rich = f.emulator.write(interaction.id, { type: 'RichMedia' });
    f.emulator.write(interaction.id, { text: 'genuine' });
    await eventually(() => expect(f.bot.forSession('s-odd').filter((e) => e.type === 'agent.message')).toHaveLength(1));
    await f.emulator.webhooksIdle();
    const now = f.emulator.interaction(interaction.id)!;
    expect(now.messages.find((m) => m.id === forged.id)!.delivery).toMatchObject({ state: 'failed', attempts: [{ status: 401 }] });
    expect(now.messages.find((m) => m.id === rich.id)!.delivery).toMatchObject({ state: 'delivered' });
    await eventually(() =>
      expect(receipts(f.emulator.interaction(interaction.id)!.messages)).toContainEqual({
        id: rich.id,
        status: 'Failed',
        reasons: [{ code: 510, message: 'Message type "RichMedia" is not supported' }],
      }),
    );
    expect(f.bot.forSession('s-odd').find((e) => e.type === 'agent.message')!.data).toMatchObject({ text: 'genuine' });
  });

  it('Nexus 503 and 429 are retried, in order and once; a 200 whose status.code is not 0/1 fails the message for good', async () => {
    await open('s-nexus', 'u-nexus');
    const interaction = interactionOf('u-nexus')!;
    f.emulator.addFault({ mode: '503', count: 4, pathPrefix: '/nexus/v3/channels' });
    f.emulator.addFault({ mode: '429', count: 2, retryAfterSeconds: 0, pathPrefix: '/nexus/v3/channels' });
    for (let i = 0; i < 5; i++)
      await bot('/sessions/s-nexus/messages')
        .send({ messageId: `n-${i}`, text: `user ${i}` })
        .expect(202);
    await eventually(
      () =>
        expect(customerTexts(f.emulator.interaction(interaction.id)!.messages).slice(1)).toEqual([
          'user 0',
          'user 1',
          'user 2',
          'user 3',
          'user 4',
        ]),
      { timeoutMs: 20000 },
    );

    f.emulator.addFault({ mode: 'status-code', count: 1, pathPrefix: '/nexus/v3/channels' });
    await bot('/sessions/s-nexus/messages').send({ messageId: 'n-bad', text: 'refused' }).expect(202);
    await bot('/sessions/s-nexus/messages').send({ messageId: 'n-next', text: 'after' }).expect(202);
    await eventually(() => expect(customerTexts(f.emulator.interaction(interaction.id)!.messages).at(-1)).toBe('after'));
    expect(customerTexts(f.emulator.interaction(interaction.id)!.messages)).not.toContain('refused');
    const timeline = await api()
      .get(`/admin/v1/endpoints/${f.endpointId}/sessions/s-nexus`)
      .set('Authorization', 'Bearer test-admin-token-0123456789');
    expect(JSON.stringify(timeline.body)).toContain('user.message_failed');
  });

  it('routing-context: 401 without the routing token, 404 for no live handover or another channel, 400 without the ids', async () => {
    const route = (token?: string) => {
      const req = api().post(`/webhooks/genesys-mcx/${f.endpointId}/routing-context`);
      return token ? req.set('Authorization', `Bearer ${token}`) : req;
    };
    await route().send({ consumerId: 'u-x', interactionId: 'i-1' }).expect(401);
    await route('not-the-routing-token-000000000').send({ consumerId: 'u-x', interactionId: 'i-1' }).expect(401);
    await route(MCX_ROUTING_TOKEN).send({ consumerId: 'nobody', interactionId: 'i-1' }).expect(404);
    await route(MCX_ROUTING_TOKEN).send({ interactionId: 'i-1' }).expect(400);
    await open('s-ctx', 'u-ctx');
    await route(MCX_ROUTING_TOKEN).send({ channelId: 'another', consumerId: 'u-ctx', interactionId: 'i-2' }).expect(404);
    const ok = await route(MCX_ROUTING_TOKEN).send({ channelId: MCX_CHANNEL_ID, consumerId: 'u-ctx', interactionId: 'i-2' }).expect(200);
    expect(ok.body).toEqual({
      handoverId: expect.stringMatching(/^ho_/),
      language: 'english',
      skills: ['escalation'],
      priority: 1,
      customAttributes: { region: 'Europe' },
    });
    await api()
      .post('/webhooks/genesys-mcx/no-such-endpoint/routing-context')
      .set('Authorization', `Bearer ${MCX_ROUTING_TOKEN}`)
      .send({ consumerId: 'u-ctx', interactionId: 'i' })
      .expect(404);
  });
});
