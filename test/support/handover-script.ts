import request from 'supertest';
import { HandoverFixture, INTEGRATION_ID } from './handover-fixture';
import { TEST_ADMIN_TOKEN } from './test-app';
import { eventually } from './wait-for-jobs';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Plays handovers with known outcomes through a HandoverFixture: the bot's API calls, the emulated agent's
 * actions, and waits for what the bot receives. Times are wall-clock ms (Date.now()).
 */
export class HandoverScript {
  constructor(private readonly f: HandoverFixture) {}

  private api() {
    return request(this.f.t.app.getHttpServer());
  }

  private bot(path: string) {
    return this.api().post(`/v1/endpoints/${this.f.endpointId}${path}`).set('Authorization', `Bearer ${this.f.apiKey}`);
  }

  /** Requests a handover; answers its id and when it was asked for. */
  async start(
    sessionId: string,
    userId: string,
    routing: { skills?: string[]; language?: string } = {},
  ): Promise<{ handoverId: string; at: number }> {
    const at = Date.now();
    const res = await this.bot('/handovers').send({ sessionId, userId, text: `Hello from ${userId}`, ...routing });
    if (res.status !== 202) throw new Error(`Handover request answered ${res.status}: ${JSON.stringify(res.body)}`);
    return { handoverId: res.body.handoverId as string, at };
  }

  /** Waits for the session's `count`-th handover.queued; answers the user's Genesys conversation id. */
  async queued(sessionId: string, userId: string, count = 1): Promise<string> {
    await eventually(() => expect(this.f.bot.typesFor(sessionId).filter((t) => t === 'handover.queued')).toHaveLength(count));
    return this.f.emulator.conversationFor(INTEGRATION_ID, userId)!.id;
  }

  /** The agent answers; answers when. */
  async answer(sessionId: string, conversationId: string, agentName: string): Promise<number> {
    const joined = () => this.f.bot.typesFor(sessionId).filter((t) => t === 'agent.joined').length;
    const before = joined();
    const at = Date.now();
    this.f.emulator.joinAgent(conversationId, { agentName });
    await eventually(() => expect(joined()).toBe(before + 1));
    return at;
  }

  async agentSays(sessionId: string, conversationId: string, text: string): Promise<void> {
    this.f.emulator.agentMessage(conversationId, { text });
    await eventually(() => expect(this.f.bot.forSession(sessionId).some((e) => (e.data as { text?: string }).text === text)).toBe(true));
  }

  async userSays(sessionId: string, text: string): Promise<void> {
    const res = await this.bot(`/sessions/${sessionId}/messages`).send({ text });
    if (res.status !== 202) throw new Error(`User message answered ${res.status}`);
  }

  /** Transfers to another agent and waits until the bot has heard of them. */
  async transfer(sessionId: string, conversationId: string, agentName: string): Promise<void> {
    const joined = () => this.f.bot.typesFor(sessionId).filter((t) => t === 'agent.joined').length;
    const before = joined();
    this.f.emulator.transferAgent(conversationId, { agentName });
    await eventually(() => expect(joined()).toBe(before + 1));
  }

  /** The agent ends the conversation. Answers when. */
  agentEnds(conversationId: string): number {
    const at = Date.now();
    this.f.emulator.endConversation(conversationId);
    return at;
  }

  async botReleases(sessionId: string): Promise<number> {
    const at = Date.now();
    const res = await this.bot(`/sessions/${sessionId}/release`).send();
    if (res.status !== 202) throw new Error(`Release answered ${res.status}`);
    return at;
  }

  async adminReleases(sessionId: string): Promise<number> {
    const at = Date.now();
    const res = await this.api()
      .post(`/admin/v1/endpoints/${this.f.endpointId}/sessions/${sessionId}/release`)
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    if (res.status !== 202) throw new Error(`Admin release answered ${res.status}`);
    return at;
  }

  /** Waits until the session's `count`-th handover has ended with `reason`. */
  /** Waits for the bot's `count`-th handover.ended with `reason`; answers when the connector ended it (the event's time). */
  async ended(sessionId: string, reason: string, count = 1): Promise<number> {
    const ends = () =>
      this.f.bot.forSession(sessionId).filter((e) => e.type === 'handover.ended' && (e.data as { reason: string }).reason === reason);
    await eventually(() => expect(ends()).toHaveLength(count), { timeoutMs: 15000 });
    return Date.parse(ends()[count - 1].time);
  }

  /** Sleeps until `ms` after `origin`. */
  async until(origin: number, ms: number): Promise<void> {
    const wait = origin + ms - Date.now();
    if (wait > 0) await sleep(wait);
  }
}

/**
 * The handovers both the reports test and the console test play (answer times in seconds from each request,
 * endpoint defaults queueTimeoutSeconds 4, serviceLevelSeconds 2):
 * - `answered`: answered after 1 s, one message each way, the agent ends 1 s later (agent_ended);
 * - `transferred`: answered after 3 s (late for the service level), transferred, the bot releases it 1.2 s later;
 * - `abandoned`: skills billing+escalation in German, the bot releases it after 2.5 s without an answer;
 * - `timeout`: never answered: queue_timeout after 4 s;
 * - `again`: the first user again after the first handover ended (a re-handover), released by the admin after the
 *   bot's callback for its end was made to fail (one dead letter, one delivery failure).
 */
export async function playKnownOutcomes(f: HandoverFixture, options: { midway?: () => Promise<void> } = {}) {
  const s = new HandoverScript(f);
  const origin = Date.now();
  // 1.5 s in: `answered` is active, the three others queued.
  const midway = s.until(origin, 1500).then(() => options.midway?.());
  const answered = (async () => {
    const started = await s.start('s-answered', 'u-answered');
    const conversation = await s.queued('s-answered', 'u-answered');
    await s.until(started.at, 1000);
    const answeredAt = await s.answer('s-answered', conversation, 'Sam');
    await s.agentSays('s-answered', conversation, 'Hello, I am Sam');
    await s.userSays('s-answered', 'Thanks, Sam');
    await s.until(answeredAt, 1000);
    s.agentEnds(conversation);
    // The connector ends it once it has confirmed that the agent left (agent-left grace, a conversation read).
    const endedAt = await s.ended('s-answered', 'agent_ended');
    return { ...started, answeredAt, endedAt };
  })();
  const transferred = (async () => {
    const started = await s.start('s-transferred', 'u-transferred');
    const conversation = await s.queued('s-transferred', 'u-transferred');
    await s.until(started.at, 3000);
    const answeredAt = await s.answer('s-transferred', conversation, 'Ann');
    await s.transfer('s-transferred', conversation, 'Kim');
    await s.until(answeredAt, 1200);
    const endedAt = await s.botReleases('s-transferred');
    await s.ended('s-transferred', 'bot_released');
    return { ...started, answeredAt, endedAt };
  })();
  const abandoned = (async () => {
    const started = await s.start('s-abandoned', 'u-abandoned', { skills: ['escalation', 'billing'], language: 'german' });
    await s.queued('s-abandoned', 'u-abandoned');
    await s.until(started.at, 2500);
    const endedAt = await s.botReleases('s-abandoned');
    await s.ended('s-abandoned', 'bot_released');
    return { ...started, endedAt };
  })();
  const timeout = (async () => {
    const started = await s.start('s-timeout', 'u-timeout');
    await s.queued('s-timeout', 'u-timeout');
    await s.ended('s-timeout', 'queue_timeout');
    return started;
  })();
  const first = await answered;
  const again = await s.start('s-answered', 'u-answered');
  await s.queued('s-answered', 'u-answered', 2);
  const others = { transferred: await transferred, abandoned: await abandoned, timeout: await timeout };
  await midway;
  // The next bot callback is the re-handover's handover.ended: it is refused for good, so it is dead-lettered.
  f.bot.failNext(1, 400);
  const againEndedAt = await s.adminReleases('s-answered');
  await eventually(async () =>
    expect(
      (
        await request(f.t.app.getHttpServer())
          .get(`/admin/v1/dead-letters?endpointId=${f.endpointId}`)
          .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      ).body.total,
    ).toBe(1),
  );
  return { origin, answered: first, again: { ...again, endedAt: againEndedAt }, ...others };
}
