import request from 'supertest';
import type { BotEvent } from '../src/handover/domain/bot-events';
import { createHandoverFixture, HandoverFixture, INTEGRATION_ID } from './support/handover-fixture';
import { TEST_ADMIN_TOKEN } from './support/test-app';
import { eventually } from './support/wait-for-jobs';

/**
 * Genesys as the SDK models it: a user segment starts at alerting (user.start), the answer is acd.end ANSWERED (or,
 * for a transfer past the queue, the participant state), and every transfer disconnectType keeps the conversation.
 */
describe('answered, not alerted; every transfer is a transfer (Genesys emulator)', () => {
  let f: HandoverFixture;
  const api = () => request(f.t.app.getHttpServer());
  const bot = (path: string) => api().post(`/v1/endpoints/${f.endpointId}${path}`).set('Authorization', `Bearer ${f.apiKey}`);
  const joinedNames = (sessionId: string) =>
    f.bot
      .forSession(sessionId)
      .filter((e) => e.type === 'agent.joined')
      .map((e) => (e.data as { agent: { name?: string } }).agent.name);
  const state = async (sessionId: string) =>
    (await api().get(`/v1/endpoints/${f.endpointId}/sessions/${sessionId}`).set('Authorization', `Bearer ${f.apiKey}`)).body.handover
      ?.state as string;
  const timeline = async (sessionId: string) =>
    (
      await api()
        .get(`/admin/v1/endpoints/${f.endpointId}/sessions/${sessionId}`)
        .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
        .expect(200)
    ).body.timeline as { event: string; detail?: Record<string, unknown> }[];

  async function queued(sessionId: string): Promise<string> {
    await bot('/handovers')
      .send({ sessionId, userId: `u-${sessionId}`, text: 'I need a human' })
      .expect(202);
    await eventually(() => expect(f.bot.typesFor(sessionId)).toContain('handover.queued'));
    return f.emulator.conversationFor(INTEGRATION_ID, `u-${sessionId}`)!.id;
  }

  beforeAll(async () => {
    f = await createHandoverFixture({ handoverDefaults: { queueTimeoutSeconds: 4, queueUpdateIntervalSeconds: 0 } });
  });

  afterAll(async () => {
    await f.close();
  });

  it.each([
    ['CONSULT_TRANSFER', 'consult'],
    ['FORWARD_TRANSFER', 'forward'],
    ['CONFERENCE_TRANSFER', 'conference'],
    ['TRANSFER', 'blind'],
  ])('a %s keeps the handover and the next agent is heard', async (disconnectType, name) => {
    const sessionId = `xfer-${name}`;
    const conversationId = await queued(sessionId);
    f.emulator.joinAgent(conversationId, { agentName: 'Sam' });
    await eventually(() => expect(joinedNames(sessionId)).toEqual(['Sam']));

    f.emulator.transferAgent(conversationId, { agentName: 'Kim', disconnectType });
    await eventually(() => expect(joinedNames(sessionId)).toEqual(['Sam', 'Kim']));
    // Past the agent-left grace (300 ms here) and the first agent's wrap-up: still live.
    await new Promise((r) => setTimeout(r, 800));
    expect(f.bot.typesFor(sessionId)).not.toContain('handover.ended');
    expect(await state(sessionId)).toBe('active');

    f.emulator.agentMessage(conversationId, { text: `Kim here after a ${name} transfer` });
    await eventually(() =>
      expect(f.bot.forSession(sessionId).find((e) => e.type === 'agent.message')).toMatchObject({
        data: { text: `Kim here after a ${name} transfer`, agent: { name: 'Kim' } },
      }),
    );
    expect((await timeline(sessionId)).find((e) => e.event === 'agent.transferred')?.detail).toMatchObject({ disconnectType });
    f.emulator.endConversation(conversationId);
    await eventually(() =>
      expect(f.bot.forSession(sessionId).at(-1)).toMatchObject({ type: 'handover.ended', data: { reason: 'agent_ended' } }),
    );
  });

  it('a transfer to the queue waits there; an agent who does not answer is not announced, the one who answers is', async () => {
    const sessionId = 'xfer-queue';
    const conversationId = await queued(sessionId);
    f.emulator.joinAgent(conversationId, { agentName: 'Sam' });
    await eventually(() => expect(joinedNames(sessionId)).toEqual(['Sam']));
    f.emulator.transferAgent(conversationId, { toQueue: true });
    f.emulator.offerAgent(conversationId, { agentName: 'Lee' });
    f.emulator.missAgent(conversationId, { disconnectType: 'NO_ANSWER_TRANSFER' });
    f.emulator.joinAgent(conversationId, { agentName: 'Max' });
    await eventually(() => expect(joinedNames(sessionId)).toEqual(['Sam', 'Max']));
    await new Promise((r) => setTimeout(r, 600));
    expect(f.bot.typesFor(sessionId)).not.toContain('handover.ended');
    const events = (await timeline(sessionId)).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['agent.transferred', 'agent.alerting', 'agent.not_answered']));
  });

  it('an alerted agent who does not answer leaves the handover queued; the agent who then answers is announced', async () => {
    const sessionId = 'no-answer';
    const conversationId = await queued(sessionId);
    f.emulator.offerAgent(conversationId, { agentName: 'Lee' });
    await eventually(async () => expect((await timeline(sessionId)).map((e) => e.event)).toContain('agent.alerting'));
    expect(await state(sessionId)).toBe('queued');

    f.emulator.missAgent(conversationId, { disconnectType: 'NO_ANSWER_TRANSFER' });
    // Genesys alerts the next agent itself after an alerting timeout.
    f.emulator.offerAgent(conversationId, { agentName: 'Pat', alertingTimeoutMs: 150 });
    await eventually(async () =>
      expect((await timeline(sessionId)).filter((e) => e.event === 'agent.not_answered').map((e) => e.detail?.disconnectType)).toEqual([
        'NO_ANSWER_TRANSFER',
        'NO_ANSWER_TRANSFER',
      ]),
    );
    await new Promise((r) => setTimeout(r, 600));
    expect(await state(sessionId)).toBe('queued');
    expect(f.bot.typesFor(sessionId)).toEqual(['handover.queued']);

    f.emulator.joinAgent(conversationId, { agentName: 'Ann' });
    await eventually(() => expect(joinedNames(sessionId)).toEqual(['Ann']));
    expect(await state(sessionId)).toBe('active');
    await new Promise((r) => setTimeout(r, 300));
    expect(joinedNames(sessionId)).toEqual(['Ann']);
  });

  it('the queue timeout keeps counting through alerts nobody answers', async () => {
    const sessionId = 'no-answer-timeout';
    const started = Date.now();
    const conversationId = await queued(sessionId);
    f.emulator.offerAgent(conversationId, { agentName: 'Lee' });
    f.emulator.missAgent(conversationId, { disconnectType: 'NOT_AVAILABLE_TRANSFER' });
    f.emulator.offerAgent(conversationId, { agentName: 'Pat' });
    await eventually(() => expect(f.bot.typesFor(sessionId)).toContain('handover.ended'), { timeoutMs: 8000 });
    const ended = f.bot.forSession(sessionId).find((e) => e.type === 'handover.ended') as BotEvent<'handover.ended'>;
    expect(ended.data).toEqual({ reason: 'queue_timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3900);
    expect(f.bot.typesFor(sessionId)).not.toContain('agent.joined');
    // The timeout disconnected the customer: the alerted agent's leg ended with it.
    await eventually(() => expect(f.emulator.conversation(conversationId)?.state).toBe('disconnected'));
  });

  it('a blind transfer to an agent who answers later is announced once the participant is connected', async () => {
    const sessionId = 'xfer-late-answer';
    const conversationId = await queued(sessionId);
    f.emulator.joinAgent(conversationId, { agentName: 'Sam' });
    await eventually(() => expect(joinedNames(sessionId)).toEqual(['Sam']));
    f.emulator.transferAgent(conversationId, { agentName: 'Kim', answer: false });
    await new Promise((r) => setTimeout(r, 2500));
    expect(joinedNames(sessionId)).toEqual(['Sam']);
    f.emulator.answerAgent(conversationId);
    await eventually(() => expect(joinedNames(sessionId)).toEqual(['Sam', 'Kim']), { timeoutMs: 20000 });
    expect(f.bot.typesFor(sessionId)).not.toContain('handover.ended');
  }, 40000);
});
