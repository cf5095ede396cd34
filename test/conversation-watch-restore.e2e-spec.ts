import request from 'supertest';
import { RedisKeys } from '../src/infrastructure/redis/redis-keys';
import { createHandoverFixture, HandoverFixture, INTEGRATION_ID } from './support/handover-fixture';
import { createTestApp, TestApp } from './support/test-app';
import { eventually } from './support/wait-for-jobs';

/**
 * Conversation watches live in the memory of the endpoint's notifications owner: the process that takes the
 * endpoint over (here on a graceful shutdown of the owner) must watch every live handover again.
 */
describe('the next notifications owner watches the live conversations again', () => {
  const LIVE = 150;
  let f: HandoverFixture;
  let replica: TestApp | undefined;

  beforeAll(async () => {
    f = await createHandoverFixture();
  });

  afterAll(async () => {
    // The replica shares the fixture's keys: stop it without deleting them; the fixture deletes them.
    await replica?.stop();
    await f.close();
  });

  it('takes over when the owner stops, subscribes every conversation in a few calls per channel, and notices an agent ending one', async () => {
    const sessions = Array.from({ length: LIVE }, (_, i) => `watch-${i}`);
    for (const sessionId of sessions) {
      await request(f.t.app.getHttpServer())
        .post(`/v1/endpoints/${f.endpointId}/handovers`)
        .set('Authorization', `Bearer ${f.apiKey}`)
        .send({ sessionId, userId: `u-${sessionId}`, text: 'a human, please' })
        .expect(202);
    }
    await eventually(() => expect(sessions.filter((s) => f.bot.typesFor(s).includes('handover.queued'))).toHaveLength(LIVE), {
      timeoutMs: 30000,
    });
    const conversationIds = sessions.map((s) => f.emulator.conversationFor(INTEGRATION_ID, `u-${s}`)!.id);
    const channelsBefore = new Set(f.emulator.state().notificationChannels.map((c) => c.id));

    replica = await createTestApp({
      REDIS_PREFIX: f.t.prefix,
      SECRETS_KEY: f.t.config.secretsKey.toString('base64'),
      AGENT_LEFT_GRACE_MS: '300',
    });
    // One notifications owner per endpoint: the replica opens no channel while the first process owns the endpoint.
    await new Promise((r) => setTimeout(r, 1000));
    expect(f.emulator.state().notificationChannels.filter((c) => !channelsBefore.has(c.id))).toEqual([]);

    // The first process stops: its shutdown releases the lease, and the replica takes the endpoint over at its next look.
    const callsBefore = f.emulator.apiCalls().calls.length;
    await f.t.stop();
    await eventually(
      () =>
        expect(replica!.logs.lines.some((l) => l.includes(`Watching ${LIVE} live conversation(s) of endpoint ${f.endpointId} again`))).toBe(
          true,
        ),
      { timeoutMs: 10000 },
    );
    const replicaChannels = f.emulator.state().notificationChannels.filter((c) => !channelsBefore.has(c.id));
    expect(replicaChannels).toHaveLength(1);
    const subscribed = replicaChannels.flatMap((c) => c.topics).join('\n');
    for (const id of conversationIds) expect(subscribed).toContain(id);
    const subscriptionCalls = f.emulator
      .apiCalls()
      .calls.slice(callsBefore)
      .filter((c) => /\/notifications\/channels\/[^/]+\/subscriptions$/.test(c.path));
    // The batch's watches start in one tick and coalesce: at most the channel's opening call and one update, however
    // slowly the live handovers were read (one call per conversation, each with the whole topic list, before).
    expect(subscriptionCalls.length).toBeLessThanOrEqual(2);

    // Only the replica's watch can tell that the agent answered and ended the conversation.
    f.emulator.joinAgent(conversationIds[0], { agentName: 'Sam' });
    await eventually(() => expect(f.bot.typesFor(sessions[0])).toContain('agent.joined'));
    f.emulator.endConversation(conversationIds[0]);
    await eventually(() =>
      expect(f.bot.forSession(sessions[0]).at(-1)).toMatchObject({ type: 'handover.ended', data: { reason: 'agent_ended' } }),
    );

    // Another holder supersedes the replica (as a process would after the replica's lease ran out unrenewed): at its
    // next renewal the replica sees its token is no longer current and closes its channel at once.
    const lease = new RedisKeys(f.t.prefix).lease(`notifications:${f.endpointId}`);
    const token = Number(await replica!.redis.hget(lease, 'token'));
    await replica!.redis.hset(lease, { holder: 'another-process', token: token + 1, until: Date.now() + 60_000 });
    await eventually(() => expect(f.emulator.state().notificationChannels.filter((c) => c.sockets > 0)).toEqual([]), { timeoutMs: 5000 });
    expect(replica!.logs.lines.some((l) => l.includes(`Notifications of endpoint ${f.endpointId} are no longer watched here`))).toBe(true);
  });
});
