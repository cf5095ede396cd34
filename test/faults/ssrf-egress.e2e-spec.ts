import request from 'supertest';
import { DEFAULT_QUEUE_ID, GenesysEmulator } from '../../tools/emulators/genesys-cloud';
import { BotReceiver } from '../support/bot-receiver';
import { CALLBACK_SECRET, INTEGRATION_ID, WEBHOOK_SECRET } from '../support/handover-fixture';
import { createTestApp, TEST_ADMIN_TOKEN, TestApp } from '../support/test-app';
import { eventually } from '../support/wait-for-jobs';
import { recordResult, statusSummary } from './harness';

/**
 * SSRF at send time: with EGRESS_ALLOWLIST=localhost (a name, not 127.0.0.1), a callback host name that resolves to
 * 127.0.0.1 (`vm` in /etc/hosts here, or any DNS name an attacker controls) passes registration, but the guarded lookup
 * refuses the connection: the bot server never sees a request, the event is dead-lettered.
 */
describe('SSRF: callback host names resolving to private addresses', () => {
  let t: TestApp;
  let emulator: GenesysEmulator;
  let bot: BotReceiver;
  let aliasHost: string | undefined;

  beforeAll(async () => {
    emulator = await GenesysEmulator.start({ webhookRetryDelayMs: 50, heartbeatIntervalMs: 1000 });
    emulator.addOAuthClient({ clientId: 'ssrf-client', clientSecret: 'ssrf-client-secret-0123456789' });
    bot = await BotReceiver.start(CALLBACK_SECRET);
    emulator.addIntegration({ id: INTEGRATION_ID, name: 'SSRF', webhookUrl: 'http://localhost:9/unused', webhookSecret: WEBHOOK_SECRET });
    // A name other than `localhost` that resolves to loopback on this machine (the host name usually does).
    const { lookup } = await import('node:dns/promises');
    const { hostname } = await import('node:os');
    for (const name of [hostname(), 'vm', 'ip6-localhost']) {
      const r = await lookup(name, { family: 4 }).catch(() => undefined);
      if (name !== 'localhost' && r?.address.startsWith('127.')) {
        aliasHost = name;
        break;
      }
    }
    t = await createTestApp({ EGRESS_ALLOWLIST: 'localhost', DELIVERY_ATTEMPTS: '2', DELIVERY_BACKOFF_MS: '50' });
  }, 60000);

  afterAll(async () => {
    await t?.close();
    await emulator?.close();
    await bot?.close();
  });

  it('refuses IP literals at registration and private resolutions at send time', async () => {
    if (!aliasHost) {
      console.warn('No host name other than localhost resolves to 127.x here: send-time SSRF check not exercised');
      return;
    }
    const port = new URL(bot.url).port;
    const emulatorUrl = emulator.url.replace('127.0.0.1', 'localhost');
    const body = (id: string, callbackUrl: string) => ({
      id,
      name: 'SSRF',
      bot: { callbackUrl, callbackSecret: CALLBACK_SECRET },
      provider: {
        type: 'genesys-cloud-open-messaging',
        apiBaseUrl: emulatorUrl,
        loginBaseUrl: emulatorUrl,
        clientId: 'ssrf-client',
        clientSecret: 'ssrf-client-secret-0123456789',
        integrationId: INTEGRATION_ID,
        webhookSecret: WEBHOOK_SECRET,
        queueId: DEFAULT_QUEUE_ID,
        rateLimitPerMinute: 100000,
      },
    });
    const admin = (b: unknown) =>
      request(t.app.getHttpServer())
        .post('/admin/v1/endpoints')
        .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
        .send(b as object);
    const literal = await admin(body('ssrf-literal', `http://127.0.0.1:${port}/handover-events`));
    const metadata = await admin(body('ssrf-metadata', 'http://169.254.169.254/latest/meta-data'));
    const named = await admin(body('ssrf-named', `http://${aliasHost}:${port}/handover-events`));
    expect(literal.status).toBe(400);
    expect(metadata.status).toBe(400);
    expect(named.status).toBe(201);

    const started = await request(t.app.getHttpServer())
      .post('/v1/endpoints/ssrf-named/handovers')
      .set('Authorization', `Bearer ${named.body.apiKey}`)
      .send({ sessionId: 'ssrf-1', userId: 'u-ssrf-1', text: 'start' });
    expect(started.status).toBe(202);
    const dead = await eventually(
      async () => {
        const res = await request(t.app.getHttpServer())
          .get('/admin/v1/dead-letters?endpointId=ssrf-named')
          .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
          .expect(200);
        const items = (Array.isArray(res.body) ? res.body : res.body.items) as { lane: string; reason: string }[];
        const toBot = items.filter((d) => d.lane === 'to-bot');
        expect(toBot.length).toBeGreaterThan(0);
        return toBot;
      },
      { timeoutMs: 20000, intervalMs: 100 },
    );
    expect(bot.attempts).toEqual([]);
    recordResult({
      scenario: 'SSRF: callback to 127.0.0.1 / 169.254.169.254 / a name resolving to 127.0.0.1',
      inFlight: 1,
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
      statuses: `register literal ${literal.status}, metadata ${metadata.status}, name ${aliasHost}→127.0.0.1 ${named.status}; requests reaching the bot server ${bot.attempts.length}; ${statusSummary(dead.map(() => 0)).replace('0×', 'dead letters ×')}`,
      notes: `EGRESS_ALLOWLIST=localhost; dead-letter reason: ${dead[0].reason.slice(0, 120)}`,
    });
  }, 60000);
});
