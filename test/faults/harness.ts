import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import type { RedisClient } from '../../src/infrastructure/redis/redis-connection';
import { RedisKeys } from '../../src/infrastructure/redis/redis-keys';
import { processOfOwner } from '../../src/relay/mailbox-owners';
import { LANES } from '../../src/relay/relay-queues';
import { GenesysEmulator } from '../../tools/emulators/genesys-cloud';
import { BotReceiver } from '../support/bot-receiver';
import { ConnectorProcess, freePort } from '../support/connector-process';
import { CALLBACK_SECRET, INTEGRATION_ID, WEBHOOK_SECRET, writeEmulatorEndpointsFile } from '../support/handover-fixture';
import { eventually } from '../support/wait-for-jobs';

/** Whether the heavy fault scenarios run (`npm run faults` sets it); `npm test` runs only the light ones. */
export const HEAVY = process.env.FAULTS_HEAVY === '1';

/** One row of RELIABILITY.md, written by a scenario to FAULTS_RESULTS_DIR and collected by bench/faults/run.ts. */
export interface FaultResult {
  scenario: string;
  inFlight: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  statuses: string;
  notes: string;
}

export function recordResult(result: FaultResult): void {
  const dir = process.env.FAULTS_RESULTS_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${result.scenario.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.json`), JSON.stringify(result, null, 2));
}

/** A private redis-server (AOF on) on a free port in a temp dir: never the shared one. */
export class OwnRedis {
  private child?: ChildProcess;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'hc-faults-redis-'));
  constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort());
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--dir',
        this.dir,
      ],
      {
        stdio: 'ignore',
      },
    );
    await eventually(
      async () => {
        const c = new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        try {
          await c.connect();
          // Wait until the AOF is loaded (PING answers LOADING otherwise).
          expect(await c.ping()).toBe('PONG');
        } finally {
          c.disconnect();
        }
      },
      { timeoutMs: 10000, intervalMs: 100 },
    );
  }

  /** SIGTERM: Redis flushes the AOF and exits. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  client(): Redis {
    return new Redis({ port: this.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  }
}

export interface Stack {
  emulator: GenesysEmulator;
  bot: BotReceiver;
  apiKey: string;
  adminToken: string;
  endpointId: string;
  prefix: string;
  secrets: string[];
  env(port: number, extra?: Record<string, string>): Record<string, string>;
  connector(extra?: Record<string, string>): Promise<ConnectorProcess>;
  /** Opens `n` sessions and has an agent join each; returns session → conversation id. */
  openSessions(c: ConnectorProcess, n: number, tag: string): Promise<Map<string, string>>;
  close(): Promise<void>;
}

/** Emulator + bot + an endpoints file; connectors are child processes pointed at `redisUrl`. */
export async function createStack(redisUrl: string, opts: { webhookPort?: number } = {}): Promise<Stack> {
  const emulator = await GenesysEmulator.start({ webhookRetryDelayMs: 300, webhookMaxRetries: 200, heartbeatIntervalMs: 1000 });
  const clientSecret = `faults-client-secret-${randomBytes(8).toString('hex')}`;
  emulator.addOAuthClient({ clientId: 'faults-client', clientSecret });
  const bot = await BotReceiver.start(CALLBACK_SECRET);
  const dir = mkdtempSync(path.join(tmpdir(), 'hc-faults-'));
  const endpointsFile = path.join(dir, 'endpoints.yaml');
  const endpointId = 'faults-ep';
  writeEmulatorEndpointsFile(endpointsFile, {
    id: endpointId,
    name: 'Fault test',
    apiKeyVariable: 'FAULTS_API_KEY',
    botUrl: bot.url,
    emulatorUrl: emulator.url,
    clientId: 'faults-client',
    clientSecret,
  });
  const apiKey = `hck_${randomBytes(32).toString('base64url')}`;
  const adminToken = `faults-admin-${randomBytes(12).toString('hex')}`;
  const secretsKey = randomBytes(32).toString('base64');
  const prefix = `hct-faults-${randomUUID().slice(0, 8)}`;
  const webhookPort = opts.webhookPort ?? (await freePort());
  emulator.addIntegration({
    id: INTEGRATION_ID,
    name: 'Faults',
    webhookUrl: `http://127.0.0.1:${webhookPort}/webhooks/genesys/${endpointId}`,
    webhookSecret: WEBHOOK_SECRET,
  });
  const started: ConnectorProcess[] = [];
  const env = (port: number, extra: Record<string, string> = {}) => ({
    NODE_ENV: 'test',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    ADMIN_TOKEN: adminToken,
    SECRETS_KEY: secretsKey,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    EGRESS_ALLOWLIST: '127.0.0.1,localhost',
    ENDPOINTS_FILE: endpointsFile,
    FAULTS_API_KEY: apiKey,
    DELIVERY_BACKOFF_MS: '200',
    LOG_LEVEL: 'info',
    ...extra,
  });
  const stack: Stack = {
    emulator,
    bot,
    apiKey,
    adminToken,
    endpointId,
    prefix,
    secrets: [clientSecret, WEBHOOK_SECRET, CALLBACK_SECRET, apiKey, adminToken, secretsKey],
    env,
    async connector(extra = {}) {
      const port = extra.PORT ? Number(extra.PORT) : webhookPort;
      const c = new ConnectorProcess(env(port, extra), port);
      started.push(c);
      await c.start(45000);
      return c;
    },
    async openSessions(c, n, tag) {
      const sessions = Array.from({ length: n }, (_, i) => `${tag}${i}`);
      for (const s of sessions) {
        const status = await post(c.url, endpointId, apiKey, '/handovers', { sessionId: s, userId: `u-${s}`, text: 'start' });
        if (status !== 202) throw new Error(`handover ${s}: ${status}`);
      }
      await eventually(() => expect(sessions.filter((s) => bot.typesFor(s).includes('handover.queued'))).toHaveLength(n), {
        timeoutMs: 30000,
        intervalMs: 100,
      });
      const conversations = new Map(sessions.map((s) => [s, emulator.conversationFor(INTEGRATION_ID, `u-${s}`)!.id]));
      for (const s of sessions) emulator.joinAgent(conversations.get(s)!, { agentName: 'Sam' });
      await eventually(() => expect(sessions.filter((s) => bot.typesFor(s).includes('agent.joined'))).toHaveLength(n), {
        timeoutMs: 30000,
        intervalMs: 100,
      });
      return conversations;
    },
    async close() {
      for (const c of started) await c.stop('SIGKILL').catch(() => undefined);
      await emulator.close();
      await bot.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

export async function post(base: string, endpointId: string, apiKey: string, p: string, body: unknown): Promise<number> {
  return fetch(`${base}/v1/endpoints/${endpointId}${p}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10000),
  })
    .then((r) => r.status)
    .catch(() => 0);
}

/** Jepsen-style counts of one direction of one session: what was acknowledged vs what arrived. */
export function count(sent: string[], received: string[]): { lost: number; duplicated: number; outOfOrder: number } {
  const firstSeen = received.filter((t, i) => received.indexOf(t) === i);
  const got = new Set(received);
  const lost = sent.filter((t) => !got.has(t)).length;
  const sentSet = new Set(sent);
  const inOrder = firstSeen.filter((t) => sentSet.has(t));
  const expected = sent.filter((t) => got.has(t));
  let outOfOrder = 0;
  for (let i = 0; i < inOrder.length; i++) if (inOrder[i] !== expected[i]) outOfOrder++;
  return { lost, duplicated: received.length - firstSeen.length, outOfOrder };
}

export function statusSummary(statuses: number[]): string {
  const m = new Map<number, number>();
  for (const s of statuses) m.set(s, (m.get(s) ?? 0) + 1);
  return [...m]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
}

/** What the agent (user messages at the emulator) and the bot (agent messages) received, per session, in arrival order. */
export function receivedBy(stack: Stack, conversations: Map<string, string>) {
  const agentReceived = (s: string) =>
    stack.emulator
      .conversation(conversations.get(s)!)!
      .messages.filter((m) => m.direction === 'Inbound' && m.type === 'Text')
      .map((m) => (m.payload as { text?: string }).text ?? '')
      .filter((t) => t.includes(' user '));
  const botReceived = (s: string) =>
    stack.bot
      .forSession(s)
      .filter((e) => e.type === 'agent.message')
      .map((e) => (e.data as { text?: string }).text ?? '');
  return { agentReceived, botReceived };
}

/** Lost, duplicated and out-of-order messages over both directions of every session. */
export function tally(stack: Stack, conversations: Map<string, string>, accepted: Map<string, string[]>, agentSent: Map<string, string[]>) {
  const { agentReceived, botReceived } = receivedBy(stack, conversations);
  const total = { lost: 0, duplicated: 0, outOfOrder: 0 };
  for (const s of conversations.keys()) {
    for (const c of [count(accepted.get(s)!, agentReceived(s)), count(agentSent.get(s)!, botReceived(s))]) {
      total.lost += c.lost;
      total.duplicated += c.duplicated;
      total.outOfOrder += c.outOfOrder;
    }
  }
  return total;
}

/**
 * Waits until every accepted user message reached the agent and every agent message reached the bot. With
 * `diagnose`, a failure also tells what holds the sessions still missing messages (describeMailboxes).
 */
export async function allDelivered(
  stack: Stack,
  conversations: Map<string, string>,
  accepted: Map<string, string[]>,
  agentSent: Map<string, string[]>,
  timeoutMs: number,
  diagnose?: { redis: RedisClient; connectors: ConnectorProcess[] },
) {
  const { agentReceived, botReceived } = receivedBy(stack, conversations);
  try {
    await eventually(
      () => {
        for (const s of conversations.keys()) {
          expect(new Set(agentReceived(s))).toEqual(new Set(accepted.get(s)));
          expect(new Set(botReceived(s))).toEqual(new Set(agentSent.get(s)));
        }
      },
      { timeoutMs, intervalMs: 500 },
    );
  } catch (err) {
    if (!diagnose) throw err;
    const missing = new Map<string, string[]>();
    for (const s of conversations.keys()) {
      const arrived = new Set([...agentReceived(s), ...botReceived(s)]);
      const absent = [...(accepted.get(s) ?? []), ...(agentSent.get(s) ?? [])].filter((t) => !arrived.has(t));
      if (absent.length > 0) missing.set(s, absent);
    }
    const description = await describeMailboxes(diagnose.redis, stack, [...missing.keys()], diagnose.connectors, missing);
    throw new Error(`${(err as Error).message}\n\n${description}`, { cause: err });
  }
}

/**
 * The messages of `sent` (session → texts) missing from their sessions' timelines: the script that queues a message
 * writes its timeline entry in the same atomic step, so these were not stored. On a Redis Cluster a write that a
 * master acknowledged just before it was killed can be missing from the replica promoted in its place: replication is
 * asynchronous (docs/scaling.md, "When a Redis master dies").
 */
export async function notStored(redis: RedisClient, stack: Stack, sent: Map<string, string[]>): Promise<string[]> {
  const keys = new RedisKeys(stack.prefix);
  const absent: string[] = [];
  for (const [sessionId, texts] of sent) {
    const timeline = (await redis.lrange(keys.timeline(stack.endpointId, sessionId), 0, -1)).join('\n');
    absent.push(...texts.filter((t) => !timeline.includes(JSON.stringify(t))));
  }
  return absent;
}

/**
 * For a failure message: what holds the mailboxes of these sessions that still have entries or an owner (the owner,
 * how many entries, and for a drain job its BullMQ state), whether the `missing` messages are in their sessions'
 * timelines, and the warnings the connectors logged.
 */
export async function describeMailboxes(
  redis: RedisClient,
  stack: Stack,
  sessionIds: string[],
  connectors: ConnectorProcess[],
  missing?: Map<string, string[]>,
): Promise<string> {
  const keys = new RedisKeys(stack.prefix);
  const lines: string[] = [];
  const unstored = new Set(missing ? await notStored(redis, stack, missing) : []);
  for (const [sessionId, texts] of missing ?? []) {
    const absent = texts.filter((t) => unstored.has(t));
    lines.push(`${sessionId}: missing ${texts.join(', ')}; not stored (absent from its timeline): ${absent.join(', ') || 'none'}`);
  }
  for (const lane of LANES) {
    const queue = new Queue(lane, { connection: redis, prefix: keys.bullPrefix(lane) });
    for (const sessionId of sessionIds) {
      const owner = await redis.get(keys.mailboxOwner(lane, stack.endpointId, sessionId));
      const entries = await redis.llen(keys.mailbox(lane, stack.endpointId, sessionId));
      if (!owner && entries === 0) continue;
      const ownerProcess = owner ? processOfOwner(owner) : undefined;
      let holder = ownerProcess ? `local run of ${ownerProcess}` : 'no owner';
      if (owner && !ownerProcess) {
        const job = await queue.getJob(owner);
        holder = job
          ? `job ${owner}: ${await job.getState()}, attempts ${job.attemptsMade}, created ${job.timestamp}, processed ${job.processedOn ?? '-'}, ${job.failedReason ?? ''}`
          : `job ${owner}: missing`;
      }
      lines.push(`${sessionId} ${lane}: ${entries} entries, ${holder}`);
    }
    await queue.close();
  }
  const warnings = connectors.map((c) => `connector ${c.pid}:\n${c.output.split('\n').slice(-40).join('\n')}`);
  return `mailboxes (now ${Date.now()}):\n${lines.join('\n') || 'none'}\n\n${warnings.join('\n')}`;
}

/** What a scenario sent, per session: the user messages the bot API accepted, the agent messages, every bot API status. */
export class Traffic {
  readonly accepted: Map<string, string[]>;
  readonly agentSent: Map<string, string[]>;
  readonly statuses: number[] = [];

  constructor(
    private readonly stack: Stack,
    readonly conversations: Map<string, string>,
  ) {
    this.accepted = new Map([...conversations.keys()].map((s) => [s, []]));
    this.agentSent = new Map([...conversations.keys()].map((s) => [s, []]));
  }

  /**
   * Message `round` of every session, both ways at once: the user's through the bot API of the connector `urlOf`
   * names for the session's index (kept when answered 202), the agent's through the emulator. Answers the round's
   * bot API statuses.
   */
  async round(round: number, urlOf: (index: number) => string): Promise<number[]> {
    const statuses = await Promise.all(
      [...this.conversations].map(async ([s, conversationId], i) => {
        const text = `${s} user ${round}`;
        const status = await post(urlOf(i), this.stack.endpointId, this.stack.apiKey, `/sessions/${s}/messages`, {
          messageId: `m-${round}`,
          text,
        });
        if (status === 202) this.accepted.get(s)!.push(text);
        const agentText = `${s} agent ${round}`;
        this.stack.emulator.agentMessage(conversationId, { text: agentText });
        this.agentSent.get(s)!.push(agentText);
        return status;
      }),
    );
    this.statuses.push(...statuses);
    return statuses;
  }
}

/** The status of a connector's `/health/ready` (0 when it does not answer within 5 s). */
export function readiness(url: string): Promise<number> {
  return fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) })
    .then((r) => r.status)
    .catch(() => 0);
}
