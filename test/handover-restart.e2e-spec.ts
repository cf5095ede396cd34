import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GenesysEmulator } from '../tools/emulators/genesys-cloud';
import { BotReceiver } from './support/bot-receiver';
import { ConnectorProcess, freePort } from './support/connector-process';
import { CALLBACK_SECRET, INTEGRATION_ID, WEBHOOK_SECRET, writeEmulatorEndpointsFile } from './support/handover-fixture';
import { deleteKeysWithPrefix, TEST_REDIS_URL } from './support/redis-cleanup';
import { eventually } from './support/wait-for-jobs';

const SESSIONS = 20;
const API_KEY = `hck_${randomBytes(32).toString('base64url')}`;

describe('SIGKILL mid-stream, then restart', () => {
  let emulator: GenesysEmulator;
  let bot: BotReceiver;
  let dir: string;
  let env: Record<string, string>;
  let connector: ConnectorProcess;
  const prefix = `hct-restart-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    // Genesys keeps retrying its webhooks while the connector is down (it does for ~85 s in production).
    emulator = await GenesysEmulator.start({ webhookRetryDelayMs: 500, webhookMaxRetries: 120, heartbeatIntervalMs: 1000 });
    emulator.addOAuthClient({ clientId: 'restart-client', clientSecret: 'restart-client-secret' });
    bot = await BotReceiver.start(CALLBACK_SECRET);
    dir = mkdtempSync(path.join(tmpdir(), 'hc-restart-'));
    const endpointsFile = path.join(dir, 'endpoints.yaml');
    writeEmulatorEndpointsFile(endpointsFile, {
      id: 'restart-ep',
      name: 'Restart test',
      apiKeyVariable: 'RESTART_API_KEY',
      botUrl: bot.url,
      emulatorUrl: emulator.url,
      clientId: 'restart-client',
      clientSecret: 'restart-client-secret',
    });
    const port = await freePort();
    env = {
      NODE_ENV: 'test',
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      ADMIN_TOKEN: 'restart-admin-token-0123456789',
      SECRETS_KEY: randomBytes(32).toString('base64'),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      EGRESS_ALLOWLIST: '127.0.0.1,localhost',
      ENDPOINTS_FILE: endpointsFile,
      RESTART_API_KEY: API_KEY,
      DELIVERY_BACKOFF_MS: '200',
      LOG_LEVEL: 'warn',
    };
    emulator.addIntegration({
      id: INTEGRATION_ID,
      name: 'Restart',
      webhookUrl: `http://127.0.0.1:${port}/webhooks/genesys/restart-ep`,
      webhookSecret: WEBHOOK_SECRET,
    });
    connector = new ConnectorProcess(env, port);
    await connector.start();
  }, 60000);

  afterAll(async () => {
    await connector?.stop('SIGKILL');
    await emulator?.close();
    await bot?.close();
    await deleteKeysWithPrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers everything it accepted, in order, after a kill -9 and a restart', async () => {
    const call = (p: string, body: unknown) =>
      fetch(`${connector.url}/v1/endpoints/restart-ep${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.status);
    const sessions = Array.from({ length: SESSIONS }, (_, i) => `r${i}`);
    for (const s of sessions) expect(await call('/handovers', { sessionId: s, userId: `u-${s}`, text: 'start' })).toBe(202);
    await eventually(() => expect(sessions.filter((s) => bot.typesFor(s).includes('handover.queued'))).toHaveLength(SESSIONS), {
      timeoutMs: 30000,
    });
    const conversations = new Map(sessions.map((s) => [s, emulator.conversationFor(INTEGRATION_ID, `u-${s}`)!.id]));
    for (const s of sessions) emulator.joinAgent(conversations.get(s)!, { agentName: 'Sam' });
    await eventually(() => expect(sessions.filter((s) => bot.typesFor(s).includes('agent.joined'))).toHaveLength(SESSIONS), {
      timeoutMs: 30000,
    });

    const accepted = new Map<string, string[]>(sessions.map((s) => [s, []]));
    const agentSent = new Map<string, string[]>(sessions.map((s) => [s, []]));
    let killed = false;
    const sendRound = async (round: number) => {
      await Promise.all(
        sessions.map(async (s) => {
          const text = `${s} user ${round}`;
          const status = await call(`/sessions/${s}/messages`, { messageId: `m-${round}`, text }).catch(() => 0);
          if (status === 202) accepted.get(s)!.push(text);
          const agentText = `${s} agent ${round}`;
          emulator.agentMessage(conversations.get(s)!, { text: agentText });
          agentSent.get(s)!.push(agentText);
        }),
      );
    };
    for (let round = 0; round < 30; round++) {
      if (round === 12) {
        await connector.stop('SIGKILL');
        killed = true;
      }
      if (round === 18) await connector.start();
      await sendRound(round);
    }
    expect(killed).toBe(true);

    const agentReceived = (s: string) =>
      emulator
        .conversation(conversations.get(s)!)!
        .messages.filter((m) => m.direction === 'Inbound' && m.type === 'Text')
        .map((m) => (m.payload as { text?: string }).text ?? '')
        .filter((t) => t.includes(' user '));
    const botReceived = (s: string) =>
      bot
        .forSession(s)
        .filter((e) => e.type === 'agent.message')
        .map((e) => (e.data as { text?: string }).text ?? '');

    // A job that was running at the kill is retried once its lock expires (BullMQ's 30 s stall check).
    await eventually(
      () => {
        for (const s of sessions) {
          expect(new Set(agentReceived(s))).toEqual(new Set(accepted.get(s)));
          expect(new Set(botReceived(s))).toEqual(new Set(agentSent.get(s)));
        }
      },
      { timeoutMs: 90000, intervalMs: 1000 },
    );
    let duplicates = 0;
    for (const s of sessions) {
      for (const [received, sent] of [
        [agentReceived(s), accepted.get(s)!],
        [botReceived(s), agentSent.get(s)!],
      ]) {
        const firstSeen = received.filter((t, i) => received.indexOf(t) === i);
        expect(firstSeen).toEqual(sent);
        duplicates += received.length - firstSeen.length;
      }
    }
    // At-least-once across a crash: only an entry in flight at the kill may arrive twice.
    expect(duplicates).toBeLessThanOrEqual(2 * SESSIONS);
    expect([...accepted.values()].flat().length).toBeGreaterThan(SESSIONS * 20);

    // The restarted process watches the live conversations again: an agent ending one is noticed.
    emulator.endConversation(conversations.get('r0')!);
    await eventually(() => expect(bot.forSession('r0').at(-1)).toMatchObject({ type: 'handover.ended', data: { reason: 'agent_ended' } }), {
      timeoutMs: 15000,
    });
  }, 180000);
});
