import { Queue } from 'bullmq';
import { ConnectorProcess, freePort } from '../support/connector-process';
import { redisOptionsFromUrl } from '../../src/infrastructure/redis/redis-connection';
import { LOCK_MS } from '../../src/relay/lane-worker';
import { HEARTBEAT_TTL_MS } from '../../src/relay/local-drains';
import { LANES } from '../../src/relay/relay-queues';
import { allDelivered, createStack, OwnRedis, recordResult, Stack, statusSummary, tally, Traffic } from './harness';
import { RedisKeys } from '../../src/infrastructure/redis/redis-keys';

const SESSIONS = 8;

describe('fault: connector processes', () => {
  let redis: OwnRedis;
  let stack: Stack;

  beforeAll(async () => {
    redis = await OwnRedis.start();
  }, 30000);

  afterEach(async () => {
    await stack?.close();
    const c = redis.client();
    await c.flushall();
    c.disconnect();
  });

  afterAll(async () => {
    await redis?.destroy();
  });

  it('SIGTERM during load: in-flight jobs finish, nothing left active, exit 0 within the grace period', async () => {
    stack = await createStack(redis.url);
    const graceMs = 10000;
    let connector = await stack.connector({ SHUTDOWN_GRACE_MS: String(graceMs) });
    const conversations = await stack.openSessions(connector, SESSIONS, 'st');
    const traffic = new Traffic(stack, conversations);
    const { accepted, agentSent, statuses } = traffic;
    // Slow Genesys down (429 + Retry-After on a few calls) so jobs are active when the signal lands.
    stack.emulator.addFault({ mode: '429', count: 5, retryAfterSeconds: 1 });
    for (let round = 0; round < 15; round++) {
      await traffic.round(round, () => connector.url);
    }
    const started = Date.now();
    const code = await connector.stop('SIGTERM');
    const exitMs = Date.now() - started;
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(graceMs + 5000);

    const queues = LANES.map(
      (name) => new Queue(name, { connection: redisOptionsFromUrl(redis.url), prefix: new RedisKeys(stack.prefix).bullPrefix(name) }),
    );
    const counts = await Promise.all(queues.map((q) => q.getJobCounts('active')));
    await Promise.all(queues.map((q) => q.close()));
    const active = counts.reduce((n, c) => n + (c.active ?? 0), 0);

    // A fresh process finishes whatever was still waiting; nothing accepted is lost.
    connector = await stack.connector({ SHUTDOWN_GRACE_MS: String(graceMs) });
    await allDelivered(stack, conversations, accepted, agentSent, 60000);
    const t = tally(stack, conversations, accepted, agentSent);
    recordResult({
      scenario: 'SIGTERM during load, then restart',
      inFlight: [...accepted.values()].flat().length + [...agentSent.values()].flat().length,
      ...t,
      statuses: `bot API ${statusSummary(statuses)}; exit code ${code} after ${exitMs} ms (grace ${graceMs} ms); active jobs after exit ${active}`,
      notes: 'Genesys answered 429 (Retry-After 1 s) to 5 calls during the load',
    });
    expect(active).toBe(0);
    expect(t.lost).toBe(0);
    expect(t.outOfOrder).toBe(0);
    expect(t.duplicated).toBe(0);
    await connector.stop('SIGTERM');
  }, 180000);

  // The killed process's local drains get new owners once its heartbeat lapses (HEARTBEAT_TTL_MS); its active jobs
  // are taken over when their lock expires (LOCK_MS) and a stalled check runs.
  it('two processes on one Redis, one SIGKILLed mid-stream: nothing lost, order kept', async () => {
    const survivorPort = await freePort();
    stack = await createStack(redis.url, { webhookPort: survivorPort });
    const survivor = await stack.connector({ PORT: String(survivorPort) });
    const victim: ConnectorProcess = await stack.connector({ PORT: String(await freePort()) });
    const conversations = await stack.openSessions(survivor, SESSIONS, 'tp');
    const traffic = new Traffic(stack, conversations);
    const { accepted, agentSent, statuses } = traffic;
    let victimAlive = true;
    let killedAt = 0;
    for (let round = 0; round < 30; round++) {
      if (round === 12) {
        await victim.stop('SIGKILL');
        killedAt = Date.now();
        victimAlive = false;
      }
      // Bot traffic is spread over both processes (a load balancer); after the kill it reaches only the survivor.
      await traffic.round(round, (i) => (victimAlive && i % 2 === 0 ? victim : survivor).url);
    }
    await allDelivered(stack, conversations, accepted, agentSent, 100000);
    const recoveredS = (Date.now() - killedAt) / 1000;
    const t = tally(stack, conversations, accepted, agentSent);
    recordResult({
      scenario: 'Two connectors on one Redis, one SIGKILLed',
      inFlight: [...accepted.values()].flat().length + [...agentSent.values()].flat().length,
      ...t,
      statuses: `bot API ${statusSummary(statuses)}`,
      notes: `every accepted message delivered ${recoveredS.toFixed(1)} s after the kill (the killed process's mailboxes get new owners once its ${HEARTBEAT_TTL_MS / 1000} s heartbeat lapses, its jobs once their ${LOCK_MS / 1000} s lock expires)`,
    });
    expect(t.lost).toBe(0);
    expect(t.outOfOrder).toBe(0);
    expect(t.duplicated).toBeLessThanOrEqual(2 * SESSIONS);
  }, 240000);
});
