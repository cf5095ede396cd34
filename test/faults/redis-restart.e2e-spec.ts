import { INTEGRATION_ID } from '../support/handover-fixture';
import { ConnectorProcess } from '../support/connector-process';
import { eventually } from '../support/wait-for-jobs';
import { count, createStack, OwnRedis, readiness, receivedBy, recordResult, Stack, statusSummary, Traffic } from './harness';

const SESSIONS = 8;
const ROUNDS = 24;
const AFTER = 16; // rounds from here on are sent once readiness is green again: all must be accepted

/** Redis (AOF, fsync always) stopped with SIGTERM mid-stream for a few seconds, then restarted from the same dir. */
describe('fault: Redis restarted mid-stream', () => {
  let redis: OwnRedis;
  let stack: Stack;
  let connector: ConnectorProcess;

  beforeAll(async () => {
    redis = await OwnRedis.start();
    stack = await createStack(redis.url);
    connector = await stack.connector();
  }, 90000);

  afterAll(async () => {
    await stack?.close();
    await redis?.destroy();
  });

  it('answers 503 while Redis is away, reconnects by itself, and delivers everything it accepted, in order', async () => {
    const conversations = await stack.openSessions(connector, SESSIONS, 'rr');
    const sessions = [...conversations.keys()];
    const traffic = new Traffic(stack, conversations);
    const { accepted, agentSent, statuses: userStatuses } = traffic;
    const readyWhileDown: number[] = [];
    let downAt = 0;
    let upAt = 0;
    let recoveredAt = 0;
    const afterStatuses: number[] = [];
    const ready = () => readiness(connector.url);

    for (let round = 0; round < ROUNDS; round++) {
      if (round === 6) {
        await redis.stop();
        downAt = Date.now();
      }
      if (round === 12) {
        await redis.start();
        upAt = Date.now();
      }
      if (round >= 6 && round < 12) readyWhileDown.push(await ready());
      if (round === AFTER) {
        await eventually(async () => expect(await ready()).toBe(200), { timeoutMs: 30000, intervalMs: 100 });
        recoveredAt = Date.now();
      }
      const statuses = await traffic.round(round, () => connector.url);
      if (round >= AFTER) afterStatuses.push(...statuses);
      if (round >= 6 && round < 12) await new Promise((r) => setTimeout(r, 700));
    }

    // Readiness: red while Redis was away, green again without any help.
    expect(readyWhileDown.length).toBeGreaterThan(0);
    expect(readyWhileDown.every((s) => s === 503)).toBe(true);
    expect(afterStatuses.every((s) => s === 202)).toBe(true);

    const { agentReceived, botReceived } = receivedBy(stack, conversations);

    await eventually(
      () => {
        for (const s of sessions) {
          expect(new Set(agentReceived(s))).toEqual(new Set(accepted.get(s)));
          expect(new Set(botReceived(s))).toEqual(new Set(agentSent.get(s)));
        }
      },
      { timeoutMs: 90000, intervalMs: 500 },
    );
    let lost = 0;
    let duplicated = 0;
    let outOfOrder = 0;
    for (const s of sessions) {
      for (const c of [count(accepted.get(s)!, agentReceived(s)), count(agentSent.get(s)!, botReceived(s))]) {
        lost += c.lost;
        duplicated += c.duplicated;
        outOfOrder += c.outOfOrder;
      }
    }
    // Webhooks Genesys sent while Redis was away: refused (5xx, Genesys retries), never 200-and-lost.
    const attempts = stack.emulator.webhookDeliveries().flatMap((d) => d.attempts);
    const downAttempts = attempts.filter((a) => {
      const at = Date.parse(a.at);
      return at > downAt + 200 && at < upAt - 200;
    });
    const webhookStatuses = downAttempts.map((a) => a.status ?? 0);
    const acceptedWhileDown = userStatuses.filter((s) => s === 202).length;
    recordResult({
      scenario: 'Redis restarted mid-stream (AOF)',
      inFlight: [...accepted.values()].flat().length + [...agentSent.values()].flat().length,
      lost,
      duplicated,
      outOfOrder,
      statuses: `bot API ${statusSummary(userStatuses)}; webhooks while down ${statusSummary(webhookStatuses)}; /health/ready while down ${statusSummary(readyWhileDown)}`,
      notes: `Redis down ${upAt - downAt} ms; ready again ≤${recoveredAt - upAt} ms after restart (sending continued meanwhile); ${acceptedWhileDown} bot messages accepted in total`,
    });
    expect(lost).toBe(0);
    expect(outOfOrder).toBe(0);
    expect(webhookStatuses.length).toBeGreaterThan(0);
    expect(webhookStatuses.filter((s) => s >= 200 && s < 300)).toEqual([]);
    expect(userStatuses.filter((s) => s !== 202 && s !== 503)).toEqual([]);
    expect(userStatuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(stack.emulator.webhookDeliveries().filter((d) => d.state === 'failed')).toEqual([]);
    expect(INTEGRATION_ID).toBeTruthy();

    // Secrets: none in the process output (its JSON logs) nor in any key or value of this Redis (AOF included).
    const client = redis.client();
    const keys = await client.keys('*');
    let haystack = keys.join('\n');
    for (const key of keys) haystack += JSON.stringify(await client.dump(key));
    client.disconnect();
    const { readdirSync, readFileSync } = await import('node:fs');
    const aof = readdirSync(redis.dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(`${e.parentPath}/${e.name}`).toString('latin1'))
      .join('');
    expect(stack.secrets.filter((x) => connector.output.includes(x) || haystack.includes(x) || aof.includes(x))).toEqual([]);
    expect(aof.length).toBeGreaterThan(1000);
  }, 240000);
});
