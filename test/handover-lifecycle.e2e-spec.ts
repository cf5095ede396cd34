import { createHmac } from 'node:crypto';
import request from 'supertest';
import { createHandoverFixture, HandoverFixture, INTEGRATION_ID, WEBHOOK_SECRET } from './support/handover-fixture';
import { TEST_ADMIN_TOKEN } from './support/test-app';
import { eventually } from './support/wait-for-jobs';

describe('handover lifecycle through the Genesys emulator', () => {
  let f: HandoverFixture;
  const api = () => request(f.t.app.getHttpServer());
  const bot = (path: string) => api().post(`/v1/endpoints/${f.endpointId}${path}`).set('Authorization', `Bearer ${f.apiKey}`);
  const conversationOf = (userId: string) => f.emulator.conversationFor(INTEGRATION_ID, userId);
  const inboundTexts = (conversationId: string) =>
    (f.emulator.conversation(conversationId)?.messages ?? [])
      .filter((m) => m.direction === 'Inbound' && m.type === 'Text')
      .map((m) => (m.payload as { text?: string }).text);

  beforeAll(async () => {
    // Threading timeline 0, as the docs recommend: a re-handover opens a new conversation (72 h: handover-threading).
    f = await createHandoverFixture({ handoverDefaults: { queueUpdateIntervalSeconds: 1 }, emulator: { threadingTimelineSeconds: 0 } });
  });

  afterAll(async () => {
    await f.close();
  });

  it('plays the whole story: routing data, queue, agent, both ways, transfer, agent ends, re-handover', async () => {
    const start = await bot('/handovers').send({
      sessionId: 's-story',
      userId: 'u-story',
      user: { nickname: 'Ada', firstName: 'Ada', lastName: 'L', email: 'ada@example.com' },
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
    expect(start.body).toMatchObject({ sessionId: 's-story', state: 'requested', handoverId: expect.stringMatching(/^ho_/) });

    // Queued at Genesys with the routing data as participant data, transcript first, then the first text.
    await eventually(() => expect(f.bot.typesFor('s-story')).toContain('handover.queued'));
    const conversation = conversationOf('u-story')!;
    expect(conversation.customAttributes).toEqual({
      language: 'german',
      skills: 'billing,escalation',
      priority: '5',
      region: 'Europe',
      section: 'section A',
    });
    expect(inboundTexts(conversation.id)).toEqual([
      'Conversation with the bot so far:\n[User 10:00] I want a human\n[Bot 10:00] Connecting you…',
      'My invoice is wrong',
    ]);
    expect(
      (await api().get(`/v1/endpoints/${f.endpointId}/sessions/s-story`).set('Authorization', `Bearer ${f.apiKey}`)).body,
    ).toMatchObject({
      sessionId: 's-story',
      userId: 'u-story',
      handover: { state: 'queued', conversationId: conversation.id },
    });

    // Queue updates while waiting.
    await eventually(() => expect(f.bot.typesFor('s-story')).toContain('handover.queue_update'), { timeoutMs: 5000 });
    expect(f.bot.forSession('s-story').find((e) => e.type === 'handover.queue_update')?.data).toMatchObject({ estimatedWaitMs: 30000 });

    // The agent joins, types and writes with an attachment.
    f.emulator.joinAgent(conversation.id, { agentName: 'Sam' });
    await eventually(() => expect(f.bot.typesFor('s-story')).toContain('agent.joined'));
    f.emulator.agentTyping(conversation.id);
    f.emulator.agentMessage(conversation.id, {
      text: 'Hello, I am Sam',
      attachments: [{ url: 'https://files.example.com/a.png', mime: 'image/png', filename: 'a.png' }],
    });
    await eventually(() => expect(f.bot.typesFor('s-story')).toContain('agent.message'));
    const message = f.bot.forSession('s-story').find((e) => e.type === 'agent.message')!;
    expect(message).toMatchObject({ endpointId: f.endpointId, userId: 'u-story', handoverId: start.body.handoverId });
    expect(message.data).toMatchObject({
      text: 'Hello, I am Sam',
      attachments: [{ url: 'https://files.example.com/a.png', mime: 'image/png', filename: 'a.png' }],
      agent: { name: 'Sam' },
    });

    // Delivered receipt back to Genesys for the agent's message.
    await eventually(() =>
      expect(
        f.emulator
          .conversation(conversation.id)!
          .messages.some((m) => m.type === 'Receipt' && (m.payload as { status?: string }).status === 'Delivered'),
      ).toBe(true),
    );

    // The user answers with text and an attachment, and types.
    expect((await bot('/sessions/s-story/typing').send()).status).toBe(202);
    const reply = await bot('/sessions/s-story/messages').send({
      messageId: 'm-1',
      text: 'Here it is',
      attachments: [{ url: 'https://cdn.example.com/invoice.pdf', mime: 'application/pdf', filename: 'invoice.pdf' }],
    });
    expect(reply.status).toBe(202);
    await eventually(() => expect(inboundTexts(conversation.id)).toContain('Here it is'));
    const inbound = f.emulator.conversation(conversation.id)!.messages.find((m) => (m.payload as { text?: string }).text === 'Here it is')!;
    expect(JSON.stringify(inbound.payload)).toContain('https://cdn.example.com/invoice.pdf');

    // A transfer keeps the handover; the bot hears of the new agent.
    f.emulator.transferAgent(conversation.id, { agentName: 'Kim' });
    await eventually(() =>
      expect(
        f.bot
          .forSession('s-story')
          .filter((e) => e.type === 'agent.joined')
          .map((e) => (e.data as { agent: { name?: string } }).agent.name),
      ).toEqual(['Sam', 'Kim']),
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(f.bot.typesFor('s-story')).not.toContain('handover.ended');
    // Messages after the transfer carry the new agent's name (read from the handover as each one is queued).
    f.emulator.agentMessage(conversation.id, { text: 'Kim here, taking over' });
    await eventually(() =>
      expect(
        f.bot
          .forSession('s-story')
          .find((e) => e.type === 'agent.message' && (e.data as { text?: string }).text === 'Kim here, taking over')?.data,
      ).toMatchObject({ agent: { name: 'Kim' } }),
    );

    // The agent ends: the bot gets handover.ended(agent_ended) exactly once, after everything else.
    f.emulator.endConversation(conversation.id);
    await eventually(() => expect(f.bot.typesFor('s-story')).toContain('handover.ended'));
    await new Promise((r) => setTimeout(r, 500));
    const types = f.bot.typesFor('s-story');
    expect(types.filter((t) => t === 'handover.ended')).toHaveLength(1);
    expect(types[types.length - 1]).toBe('handover.ended');
    expect(f.bot.forSession('s-story').at(-1)!.data).toEqual({ reason: 'agent_ended' });
    expect(types.indexOf('handover.queued')).toBeLessThan(types.indexOf('agent.joined'));
    expect(types.indexOf('agent.joined')).toBeLessThan(types.indexOf('agent.message'));

    // A late agent webhook for the ended handover is acknowledged and never reaches the bot.
    const late = JSON.stringify({
      id: 'late-message-1',
      channel: {
        id: INTEGRATION_ID,
        platform: 'Open',
        type: 'Private',
        messageId: 'late-message-1',
        to: { id: 'u-story', idType: 'Opaque' },
        from: { id: INTEGRATION_ID, idType: 'Opaque' },
        time: new Date().toISOString(),
      },
      conversationId: conversation.id,
      type: 'Text',
      text: 'Are you still there?',
      direction: 'Outbound',
      originatingEntity: 'Human',
    });
    const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(late).digest('base64')}`;
    await api()
      .post(`/webhooks/genesys/${f.endpointId}`)
      .set('Content-Type', 'application/json')
      .set('X-Hub-Signature-256', signature)
      .send(late)
      .expect(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(f.bot.forSession('s-story').some((e) => (e.data as { text?: string }).text === 'Are you still there?')).toBe(false);

    // Re-handover in the same session: a new Genesys conversation, and only the new part of the transcript.
    const again = await bot('/handovers').send({
      sessionId: 's-story',
      userId: 'u-story',
      transcript: [
        { from: 'user', text: 'I want a human', time: '2026-01-01T10:00:00Z' },
        { from: 'bot', text: 'Connecting you…', time: '2026-01-01T10:00:01Z' },
        { from: 'user', text: 'One more question', time: '2026-01-01T11:00:00Z' },
      ],
    });
    expect(again.status).toBe(202);
    expect(again.body.handoverId).not.toBe(start.body.handoverId);
    await eventually(() => expect(f.bot.forSession('s-story').filter((e) => e.type === 'handover.queued')).toHaveLength(2));
    const second = conversationOf('u-story')!;
    expect(second.id).not.toBe(conversation.id);
    expect(inboundTexts(second.id)).toEqual(['Conversation with the bot so far:\n[User 11:00] One more question']);

    // The admin sees both handovers in the timeline.
    const detail = await api()
      .get(`/admin/v1/endpoints/${f.endpointId}/sessions/s-story`)
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(200);
    const events = (detail.body.timeline as { event: string }[]).map((e) => e.event);
    expect(events.filter((e) => e === 'handover.requested')).toHaveLength(2);
    expect(events).toEqual(
      expect.arrayContaining(['handover.queued', 'agent.joined', 'agent.message', 'user.message', 'agent.transferred', 'handover.ended']),
    );
  });
});
