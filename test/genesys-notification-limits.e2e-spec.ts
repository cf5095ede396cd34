import WebSocket from 'ws';
import request from 'supertest';
import { DEFAULT_QUEUE_ID } from '../tools/emulators/genesys-cloud';
import {
  CALLBACK_SECRET,
  createHandoverFixture,
  emulatorAccessToken,
  HandoverFixture,
  INTEGRATION_ID,
  WEBHOOK_SECRET,
} from './support/handover-fixture';
import { TEST_ADMIN_TOKEN } from './support/test-app';
import { eventually } from './support/wait-for-jobs';

/** Notifications as Genesys limits them: per-topic subscription answers, 20 channels per OAuth client. */
describe('notification subscriptions and channels as Genesys limits them (Genesys emulator)', () => {
  let f: HandoverFixture;
  const api = () => request(f.t.app.getHttpServer());
  const admin = (method: 'get' | 'post', path: string) => api()[method](path).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
  const channelsOf = (clientId: string) => f.emulator.state().notificationChannels.filter((c) => c.clientId === clientId);

  const token = (clientId: string, clientSecret: string) => emulatorAccessToken(f.emulator.url, clientId, clientSecret);

  const createChannel = async (bearer: string) =>
    (await (
      await fetch(`${f.emulator.url}/api/v2/notifications/channels`, { method: 'POST', headers: { authorization: `Bearer ${bearer}` } })
    ).json()) as { id: string; connectUri: string };

  /** Another endpoint (its own integration and API key) with the given OAuth client. */
  async function endpoint(id: string, clientId: string, clientSecret: string): Promise<{ apiKey: string; integrationId: string }> {
    const integrationId = `${INTEGRATION_ID.slice(0, -4)}${id.slice(-4).padStart(4, '0')}`;
    const created = await admin('post', '/admin/v1/endpoints')
      .send({
        id,
        name: id,
        bot: { callbackUrl: f.bot.url, callbackSecret: CALLBACK_SECRET },
        provider: {
          type: 'genesys-cloud-open-messaging',
          apiBaseUrl: f.emulator.url,
          loginBaseUrl: f.emulator.url,
          clientId,
          clientSecret,
          integrationId,
          webhookSecret: WEBHOOK_SECRET,
          queueId: DEFAULT_QUEUE_ID,
          rateLimitPerMinute: 100000,
        },
      })
      .expect(201);
    f.emulator.addIntegration({ id: integrationId, webhookUrl: `${f.baseUrl}/webhooks/genesys/${id}`, webhookSecret: WEBHOOK_SECRET });
    return { apiKey: created.body.apiKey as string, integrationId };
  }

  async function handover(endpointId: string, apiKey: string, sessionId: string): Promise<void> {
    await api()
      .post(`/v1/endpoints/${endpointId}/handovers`)
      .set('Authorization', `Bearer ${apiKey}`)
      .send({ sessionId, userId: `u-${sessionId}`, text: 'hello' })
      .expect(202);
    await eventually(() => expect(f.bot.typesFor(sessionId)).toContain('handover.queued'));
  }

  beforeAll(async () => {
    f = await createHandoverFixture();
  });

  afterAll(async () => {
    await f.close();
  });

  const health = async (endpointId: string) => (await admin('get', `/admin/v1/endpoints/${endpointId}/health`).expect(200)).body;
  const check = (body: { checks: { name: string }[] }, name: string) => body.checks.find((c) => c.name === name);

  it('a topic Genesys rejects is visible to an operator: health, metric and one log line; it clears once permitted', async () => {
    f.emulator.addOAuthClient({
      clientId: 'no-analytics',
      clientSecret: 'no-analytics-secret',
      permissions: ['conversation:message:receive'],
    });
    const ep = await endpoint('ep-perm', 'no-analytics', 'no-analytics-secret');
    await handover('ep-perm', ep.apiKey, 'perm-1');
    await handover('ep-perm', ep.apiKey, 'perm-2');

    const body = await eventually(async () => {
      const res = await health('ep-perm');
      expect(res.ok).toBe(false);
      return res;
    });
    expect(body).toMatchObject({ endpointId: 'ep-perm', provider: 'genesys-cloud-open-messaging' });
    expect(check(body, 'subscriptions')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('analytics:conversationDetail:view'),
      data: { missingPermissions: ['analytics:conversationDetail:view'] },
    });
    const metrics = (await api().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(
      /hc_provider_problems_total\{endpoint="ep-perm",provider="genesys-cloud-open-messaging",problem="subscription_rejected"\} [1-9]/,
    );
    expect(
      f.t.logs
        .text()
        .split('\n')
        .filter((l) => l.includes('Endpoint ep-perm: Genesys rejected')),
    ).toHaveLength(1);
    // The other endpoint is fine.
    expect(check(await health(f.endpointId), 'subscriptions')).toMatchObject({ ok: true });
    expect((await admin('get', '/admin/v1/endpoints/nope/health')).status).toBe(404);

    // The role gets the permission: the next subscription answer permits every topic and the problem is gone.
    f.emulator.addOAuthClient({ clientId: 'no-analytics', clientSecret: 'no-analytics-secret' });
    await handover('ep-perm', ep.apiKey, 'perm-3');
    await eventually(async () => expect(check(await health('ep-perm'), 'subscriptions')).toMatchObject({ ok: true }));
  });

  it('endpoints sharing an OAuth client share its notification channel', async () => {
    f.emulator.addOAuthClient({ clientId: 'shared-client', clientSecret: 'shared-client-secret' });
    const one = await endpoint('ep-one', 'shared-client', 'shared-client-secret');
    const two = await endpoint('ep-two', 'shared-client', 'shared-client-secret');
    await handover('ep-one', one.apiKey, 'share-1');
    await handover('ep-two', two.apiKey, 'share-2');
    expect(channelsOf('shared-client')).toHaveLength(1);
    expect(channelsOf('shared-client')[0].topics).toHaveLength(10);
    // Each endpoint still hears its own conversation's lifecycle.
    for (const [sessionId, integrationId] of [
      ['share-1', one.integrationId],
      ['share-2', two.integrationId],
    ]) {
      f.emulator.joinAgent(f.emulator.conversationFor(integrationId, `u-${sessionId}`)!.id, { agentName: `Agent of ${sessionId}` });
      await eventually(() =>
        expect(f.bot.forSession(sessionId).find((e) => e.type === 'agent.joined')?.data).toEqual({
          agent: { name: `Agent of ${sessionId}` },
        }),
      );
    }
    expect(f.bot.forSession('share-1').every((e) => e.endpointId === 'ep-one')).toBe(true);
    expect(f.bot.forSession('share-2').every((e) => e.endpointId === 'ep-two')).toBe(true);
  });

  it('never opens a channel when the client already has 19 of its 20, and says so', async () => {
    f.emulator.addOAuthClient({ clientId: 'crowded-client', clientSecret: 'crowded-client-secret' });
    const bearer = await token('crowded-client', 'crowded-client-secret');
    // Other replicas or applications already hold 19 channels of this client.
    for (let i = 0; i < 19; i++) await createChannel(bearer);
    const ep = await endpoint('ep-crowd', 'crowded-client', 'crowded-client-secret');
    await handover('ep-crowd', ep.apiKey, 'crowd-1');
    const body = await eventually(async () => {
      const res = await health('ep-crowd');
      expect(check(res, 'channels')).toMatchObject({ ok: false, data: { channels: 19, limit: 20 } });
      return res;
    });
    expect(check(body, 'notifications')).toMatchObject({ detail: expect.stringContaining('1 waiting for a channel') });
    expect(check(body, 'subscriptions')).toMatchObject({ ok: true });
    expect(channelsOf('crowded-client')).toHaveLength(19);
    expect(f.emulator.state().notificationChannelsEvicted).toBe(0);
  });

  it('the emulator keeps 20 channels per client: a 21st removes one without a connection first, else the oldest used', async () => {
    f.emulator.addOAuthClient({ clientId: 'evict-client', clientSecret: 'evict-client-secret' });
    const bearer = await token('evict-client', 'evict-client-secret');
    const evictedBefore = f.emulator.state().notificationChannelsEvicted;
    const channels = [];
    for (let i = 0; i < 20; i++) channels.push(await createChannel(bearer));
    const sockets = await Promise.all(
      channels.slice(0, 2).map(
        (c) =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(c.connectUri);
            ws.once('open', () => resolve(ws));
            ws.once('error', reject);
          }),
      ),
    );
    try {
      await createChannel(bearer);
      const alive = new Set(channelsOf('evict-client').map((c) => c.id));
      expect(alive.size).toBe(20);
      expect(f.emulator.state().notificationChannelsEvicted).toBe(evictedBefore + 1);
      // The oldest, #0 and #1, have a connection: #2 goes.
      expect(alive.has(channels[0].id) && alive.has(channels[1].id)).toBe(true);
      expect(alive.has(channels[2].id)).toBe(false);
      const head = await fetch(`${f.emulator.url}/api/v2/notifications/channels/${channels[2].id}`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${bearer}` },
      });
      expect(head.status).toBe(404);
      const listing = (await (
        await fetch(`${f.emulator.url}/api/v2/notifications/channels?includechannels=oauthclient`, {
          headers: { authorization: `Bearer ${bearer}` },
        })
      ).json()) as { entities: unknown[] };
      expect(listing.entities).toHaveLength(20);
    } finally {
      for (const ws of sockets) ws.terminate();
    }
  });

  it('the emulator refuses the whole subscription list with 403 without ignoreErrors', async () => {
    f.emulator.addOAuthClient({ clientId: 'strict-client', clientSecret: 'strict-client-secret', permissions: [] });
    const bearer = await token('strict-client', 'strict-client-secret');
    const channel = await createChannel(bearer);
    const put = (query: string) =>
      fetch(`${f.emulator.url}/api/v2/notifications/channels/${channel.id}/subscriptions${query}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify([{ id: 'v2.detail.events.conversation.c1.user.start' }, { id: 'v2.users.u1.presence' }]),
      });
    expect((await put('')).status).toBe(403);
    const answer = await put('?ignoreErrors=true');
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { entities: unknown[] }).entities).toEqual([
      { id: 'v2.users.u1.presence', state: 'Permitted' },
      {
        id: 'v2.detail.events.conversation.c1.user.start',
        state: 'Rejected',
        rejectionReason: expect.any(String),
        missingPermissions: ['analytics:conversationDetail:view'],
      },
    ]);
  });
});
