import request from 'supertest';
import { count } from './faults/harness';
import { createMcxFixture, MCX_CHANNEL_ID, McxFixture } from './support/mcx-fixture';
import { eventually } from './support/wait-for-jobs';

const SESSIONS = 200;
const MESSAGES = 20;

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

describe(`Multicloud CX: ${SESSIONS} sessions × ${MESSAGES} messages each way, with Nexus 503s and bot 503s`, () => {
  let f: McxFixture;
  const sessions = Array.from({ length: SESSIONS }, (_, i) => `x${i}`);

  beforeAll(async () => {
    f = await createMcxFixture({ handoverDefaults: { queueUpdateIntervalSeconds: 0 } });
  });

  afterAll(async () => {
    await f.close();
  });

  it('loses, duplicates and reorders nothing in either direction', async () => {
    const started = Date.now();
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
    const interactions = new Map(sessions.map((s) => [s, f.emulator.interactionFor(MCX_CHANNEL_ID, `u-${s}`)!.id]));
    for (const s of sessions) f.emulator.accept(interactions.get(s)!, { agentName: 'Sam' });

    // Faults while the traffic flows: Nexus answers 503 to the connector's calls, the bot's callback refuses the first
    // 300 deliveries (a count, not a time window, which a slow machine could pass before the first delivery).
    f.emulator.addFault({ mode: '503', count: 300, pathPrefix: '/nexus/v3/channels' });
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
      for (const s of sessions) f.emulator.write(interactions.get(s)!, { text: agentSent.get(s)![i] });
    }
    await userTraffic;

    const agentReceived = (s: string) =>
      f.emulator
        .interaction(interactions.get(s)!)!
        .messages.filter((m) => m.direction === 'Inbound' && m.type === 'Text')
        .map((m) => (m.payload as { text?: string }).text ?? '')
        .filter((t) => t.includes(' user '));
    const botReceived = (s: string) =>
      f.bot
        .forSession(s)
        .filter((e) => e.type === 'agent.message')
        .map((e) => (e.data as { text?: string }).text ?? '');
    const totals = () =>
      sessions.reduce(
        (sum, s) => {
          const toAgent = count(userSent.get(s)!, agentReceived(s));
          const toBot = count(agentSent.get(s)!, botReceived(s));
          return {
            toAgent: {
              lost: sum.toAgent.lost + toAgent.lost,
              duplicated: sum.toAgent.duplicated + toAgent.duplicated,
              outOfOrder: sum.toAgent.outOfOrder + toAgent.outOfOrder,
            },
            toBot: {
              lost: sum.toBot.lost + toBot.lost,
              duplicated: sum.toBot.duplicated + toBot.duplicated,
              outOfOrder: sum.toBot.outOfOrder + toBot.outOfOrder,
            },
          };
        },
        { toAgent: { lost: 0, duplicated: 0, outOfOrder: 0 }, toBot: { lost: 0, duplicated: 0, outOfOrder: 0 } },
      );

    await eventually(
      () => {
        const { toAgent, toBot } = totals();
        expect([toAgent.lost, toBot.lost]).toEqual([0, 0]);
      },
      { timeoutMs: 150000, intervalMs: 500 },
    );
    await new Promise((r) => setTimeout(r, 1000));
    const result = totals();
    // Every one of the 300 faults was served (the call log keeps only the newest calls, the fault list empties as they are used).
    const nexus503 = 300 - f.emulator.state().faults.reduce((sum, fault) => sum + fault.remaining, 0);
    console.log(
      `Multicloud CX concurrency: ${SESSIONS * MESSAGES} messages each way in ${Math.round((Date.now() - started) / 1000)} s; ` +
        `Nexus 503s ${nexus503}, bot 503s ${f.bot.attempts.filter((a) => a.status === 503).length}; ${JSON.stringify(result)}`,
    );
    expect(nexus503).toBe(300);
    expect(f.bot.attempts.filter((a) => a.status === 503).length).toBe(300);
    expect(result).toEqual({ toAgent: { lost: 0, duplicated: 0, outOfOrder: 0 }, toBot: { lost: 0, duplicated: 0, outOfOrder: 0 } });
    expect(sessions.filter((s) => f.bot.typesFor(s).filter((t) => t === 'agent.joined').length !== 1)).toEqual([]);
    expect(f.bot.invalidSignatures).toBe(0);
    expect(f.emulator.violations()).toEqual([]);
  }, 240000);
});
