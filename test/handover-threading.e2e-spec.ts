import { createHmac } from 'node:crypto';
import request from 'supertest';
import { DEFAULT_THREADING_TIMELINE_SECONDS } from '../tools/emulators/genesys-cloud';
import { createHandoverFixture, HandoverFixture, INTEGRATION_ID, WEBHOOK_SECRET } from './support/handover-fixture';
import { TEST_ADMIN_TOKEN } from './support/test-app';
import { eventually } from './support/wait-for-jobs';

/**
 * Genesys's default threading timeline (72 h): a message from the same customer id after a disconnect reopens the
 * same conversation, same id and history. A re-handover then lives in the earlier handover's conversation.
 */
describe('re-handover into a reopened conversation (threading timeline 72 h, Genesys emulator)', () => {
  let f: HandoverFixture;
  const api = () => request(f.t.app.getHttpServer());
  const bot = (path: string) => api().post(`/v1/endpoints/${f.endpointId}${path}`).set('Authorization', `Bearer ${f.apiKey}`);
  const of = (sessionId: string, handoverId: string) => f.bot.forSession(sessionId).filter((e) => e.handoverId === handoverId);
  const typesOf = (sessionId: string, handoverId: string) => of(sessionId, handoverId).map((e) => e.type);

  async function handover(sessionId: string, userId: string): Promise<string> {
    const started = await bot('/handovers').send({ sessionId, userId, text: 'I need a human' }).expect(202);
    const id = started.body.handoverId as string;
    await eventually(() => expect(typesOf(sessionId, id)).toContain('handover.queued'));
    return id;
  }

  beforeAll(async () => {
    f = await createHandoverFixture();
  });

  afterAll(async () => {
    await f.close();
  });

  it('the emulator threads at Genesys default', () => {
    expect(DEFAULT_THREADING_TIMELINE_SECONDS).toBe(72 * 3600);
  });

  it('maps join, messages and end to the new handover, drops the old one’s late events, and ends once', async () => {
    const first = await handover('s-thread', 'u-thread');
    const conversationId = f.emulator.conversationFor(INTEGRATION_ID, 'u-thread')!.id;
    f.emulator.joinAgent(conversationId, { agentName: 'Sam' });
    await eventually(() => expect(typesOf('s-thread', first)).toContain('agent.joined'));
    f.emulator.agentMessage(conversationId, { text: 'first life' });
    await eventually(() => expect(typesOf('s-thread', first)).toContain('agent.message'));
    f.emulator.endConversation(conversationId);
    await eventually(() => expect(typesOf('s-thread', first)).toContain('handover.ended'));
    const customerEnd = f.emulator
      .notifications()
      .find((n) => n.topicName === `v2.detail.events.conversation.${conversationId}.customer.end`)!;

    const second = await handover('s-thread', 'u-thread');
    expect(second).not.toBe(first);
    const reopened = f.emulator.conversationFor(INTEGRATION_ID, 'u-thread')!;
    expect(reopened.id).toBe(conversationId);
    expect(reopened.reopened).toBe(1);
    expect(of('s-thread', second).find((e) => e.type === 'handover.queued')?.data).toEqual({ conversationId });

    f.emulator.joinAgent(conversationId, { agentName: 'Kim' });
    await eventually(() => expect(of('s-thread', second).find((e) => e.type === 'agent.joined')?.data).toEqual({ agent: { name: 'Kim' } }));
    f.emulator.agentMessage(conversationId, { text: 'second life' });
    await eventually(() =>
      expect(of('s-thread', second).find((e) => e.type === 'agent.message')?.data).toMatchObject({
        text: 'second life',
        agent: { name: 'Kim' },
      }),
    );

    // The first life's customer.end, delivered late (a Process Automation trigger may delay by minutes): not ours.
    const late = JSON.stringify({ topicName: customerEnd.topicName, eventBody: customerEnd.eventBody });
    await api()
      .post(`/webhooks/genesys/${f.endpointId}/events`)
      .set('Content-Type', 'application/json')
      .set('X-Hub-Signature-256', `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(late).digest('base64')}`)
      .send(late)
      .expect(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(typesOf('s-thread', second)).not.toContain('handover.ended');

    f.emulator.endConversation(conversationId);
    await eventually(() => expect(typesOf('s-thread', second)).toContain('handover.ended'));
    await new Promise((r) => setTimeout(r, 500));
    expect(typesOf('s-thread', second)).toEqual(['handover.queued', 'agent.joined', 'agent.message', 'handover.ended']);
    expect(of('s-thread', second).at(-1)!.data).toEqual({ reason: 'agent_ended' });
    // Nothing of the second life reached the first handover after its end.
    expect(typesOf('s-thread', first)).toEqual(['handover.queued', 'agent.joined', 'agent.message', 'handover.ended']);

    const detail = await api()
      .get(`/admin/v1/endpoints/${f.endpointId}/sessions/s-thread`)
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(200);
    expect(detail.body.timeline).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event: 'provider.conversation_rethreaded',
          handoverId: second,
          detail: expect.objectContaining({ conversationId, previousHandoverId: first }),
        }),
      ]),
    );
  });

  it('a bot release and an immediate re-handover: our own disconnect of the first life does not end the second', async () => {
    const first = await handover('s-release', 'u-release');
    const conversationId = f.emulator.conversationFor(INTEGRATION_ID, 'u-release')!.id;
    f.emulator.joinAgent(conversationId, { agentName: 'Lee' });
    await eventually(() => expect(typesOf('s-release', first)).toContain('agent.joined'));
    await bot('/sessions/s-release/release').send().expect(202);
    const again = await bot('/handovers').send({ sessionId: 's-release', userId: 'u-release', text: 'Sorry, one more thing' }).expect(202);
    const second = again.body.handoverId as string;
    await eventually(() => expect(typesOf('s-release', second)).toContain('handover.queued'));
    expect(f.emulator.conversationFor(INTEGRATION_ID, 'u-release')!.id).toBe(conversationId);

    f.emulator.joinAgent(conversationId, { agentName: 'Max' });
    await eventually(() =>
      expect(of('s-release', second).find((e) => e.type === 'agent.joined')?.data).toEqual({ agent: { name: 'Max' } }),
    );
    await new Promise((r) => setTimeout(r, 800));
    expect(typesOf('s-release', second)).toEqual(['handover.queued', 'agent.joined']);

    await bot('/sessions/s-release/release').send().expect(202);
    await eventually(() => expect(f.emulator.conversation(conversationId)!.state).toBe('disconnected'));
    await new Promise((r) => setTimeout(r, 300));
    expect(
      of('s-release', second)
        .filter((e) => e.type === 'handover.ended')
        .map((e) => e.data),
    ).toEqual([{ reason: 'bot_released' }]);
    expect(
      of('s-release', first)
        .filter((e) => e.type === 'handover.ended')
        .map((e) => e.data),
    ).toEqual([{ reason: 'bot_released' }]);
  });
});
