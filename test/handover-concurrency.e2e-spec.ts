import request from 'supertest';
import { createHandoverFixture, HandoverFixture, INTEGRATION_ID } from './support/handover-fixture';
import { eventually } from './support/wait-for-jobs';

const SESSIONS = 200;
const MESSAGES = 20;

/** Jepsen-style counts of one direction: what was sent per session against what arrived, in arrival order. */
function count(sent: Map<string, string[]>, received: Map<string, string[]>) {
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const [session, expected] of sent) {
    const got = received.get(session) ?? [];
    const seen = new Set<string>();
    let last = -1;
    for (const item of got) {
      if (seen.has(item)) duplicated++;
      seen.add(item);
      const position = expected.indexOf(item);
      if (position < last) outOfOrder++;
      last = Math.max(last, position);
    }
    lost += expected.filter((item) => !seen.has(item)).length;
  }
  return { lost, duplicated, outOfOrder };
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

describe(`${SESSIONS} sessions × ${MESSAGES} messages each way, with Genesys 429s and bot 503s`, () => {
  let f: HandoverFixture;
  const sessions = Array.from({ length: SESSIONS }, (_, i) => `c${i}`);

  beforeAll(async () => {
    f = await createHandoverFixture({ handoverDefaults: { queueUpdateIntervalSeconds: 0 } });
  });

  afterAll(async () => {
    await f.close();
  });

  it('loses, duplicates and reorders nothing in either direction', async () => {
    const server = f.t.app.getHttpServer();
    const bot = (path: string) => request(server).post(`/v1/endpoints/${f.endpointId}${path}`).set('Authorization', `Bearer ${f.apiKey}`);

    await inBatches(sessions, 50, (s) =>
      bot('/handovers')
        .send({ sessionId: s, userId: `u-${s}`, text: `start ${s}` })
        .expect(202),
    );
    await eventually(() => expect(sessions.filter((s) => f.bot.typesFor(s).includes('handover.queued'))).toHaveLength(SESSIONS), {
      timeoutMs: 60000,
    });
    const conversations = new Map(sessions.map((s) => [s, f.emulator.conversationFor(INTEGRATION_ID, `u-${s}`)!.id]));
    for (const s of sessions) f.emulator.joinAgent(conversations.get(s)!, { agentName: 'Sam' });
    await eventually(() => expect(sessions.filter((s) => f.bot.typesFor(s).includes('agent.joined'))).toHaveLength(SESSIONS), {
      timeoutMs: 60000,
    });

    // Faults while the traffic flows: Genesys rate-limits inbound calls, the bot's callback refuses the first 300
    // deliveries (a count, not a time window, which a slow machine could pass before the first delivery).
    f.emulator.addFault({ mode: '429', count: 60, retryAfterSeconds: 1, pathPrefix: '/api/v2/conversations/messages' });
    f.bot.failNext(300);

    const userSent = new Map(sessions.map((s) => [s, Array.from({ length: MESSAGES }, (_, i) => `${s} user ${i}`)]));
    const agentSent = new Map(sessions.map((s) => [s, Array.from({ length: MESSAGES }, (_, i) => `${s} agent ${i}`)]));
    const userTraffic = inBatches(sessions, 50, async (s) => {
      for (const [i, text] of userSent.get(s)!.entries())
        await bot(`/sessions/${s}/messages`)
          .send({ messageId: `m-${i}`, text })
          .expect(202);
    });
    for (let i = 0; i < MESSAGES; i++) {
      for (const s of sessions) f.emulator.agentMessage(conversations.get(s)!, { text: agentSent.get(s)![i] });
    }
    await userTraffic;

    const agentReceived = () =>
      new Map(
        sessions.map((s) => [
          s,
          f.emulator
            .conversation(conversations.get(s)!)!
            .messages.filter((m) => m.direction === 'Inbound' && m.type === 'Text')
            .map((m) => (m.payload as { text?: string }).text ?? '')
            .filter((t) => t.includes(' user ')),
        ]),
      );
    const botReceived = () =>
      new Map(
        sessions.map((s) => [
          s,
          f.bot
            .forSession(s)
            .filter((e) => e.type === 'agent.message')
            .map((e) => (e.data as { text?: string }).text ?? ''),
        ]),
      );

    await eventually(
      () => {
        expect(count(userSent, agentReceived()).lost).toBe(0);
        expect(count(agentSent, botReceived()).lost).toBe(0);
      },
      { timeoutMs: 120000, intervalMs: 500 },
    );
    await new Promise((r) => setTimeout(r, 1000));

    const toAgent = count(userSent, agentReceived());
    const toBot = count(agentSent, botReceived());
    expect(f.emulator.apiCalls()).toBeDefined();
    expect(f.bot.attempts.filter((a) => a.status === 503).length).toBe(300);
    expect(toAgent).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(toBot).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(f.bot.invalidSignatures).toBe(0);
  }, 240000);
});
