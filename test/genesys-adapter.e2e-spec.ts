import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { OutboundHttp, OutboundRequest } from '../src/infrastructure/http/outbound-http';
import { AppConfig } from '../src/config/app-config';
import { DEFAULT_QUEUE_ID, GenesysEmulator } from '../tools/emulators/genesys-cloud/emulator';
import { ProviderError, ProviderThrottledError } from '../src/contact-center/provider-errors';
import { AgentDirectory } from '../src/contact-center/genesys-cloud-open-messaging/agent-directory';
import { ConversationSignalPublisher } from '../src/contact-center/genesys-cloud-open-messaging/conversation-signal-publisher';
import { GenesysApiClient, GenesysEndpoint } from '../src/contact-center/genesys-cloud-open-messaging/genesys-api-client';
import { GenesysAuth } from '../src/contact-center/genesys-cloud-open-messaging/genesys-auth';
import { GenesysCloudOpenMessagingProvider } from '../src/contact-center/genesys-cloud-open-messaging/genesys-cloud-open-messaging.provider';
import { GenesysNotifications } from '../src/contact-center/genesys-cloud-open-messaging/notifications/genesys-notifications';
import { ProviderRateLimiter } from '../src/contact-center/provider-rate-limiter';
import { NotificationOwners } from '../src/contact-center/genesys-cloud-open-messaging/notifications/notification-owners';
import { genesysCloudOpenMessaging } from '../src/contact-center/genesys-cloud-open-messaging';
import { LiveHandoverDirectory, ProviderEventOutcome, ProviderEventSink } from '../src/contact-center/provider-event-sink';
import { EndpointsService } from '../src/endpoints/endpoints.service';
import { FleetLeases } from '../src/infrastructure/redis/fleet-lease';
import type { Endpoint } from '../src/endpoints/endpoint.model';
import type { ConversationSignalEvent, ProviderEvent } from '../src/contact-center/provider-events';
import { RedisService } from '../src/infrastructure/redis/redis.service';
import { deleteKeysWithPrefix } from './support/redis-cleanup';
import { testEnvironment } from './support/test-app';
import { eventually } from './support/wait-for-jobs';

/** Records what the provider hands on, as the handover intake would receive it. */
class RecordingSink extends ProviderEventSink {
  constructor(private readonly published: { endpointId: string; event: ProviderEvent }[]) {
    super();
  }

  async accept(endpoint: Endpoint, events: ProviderEvent[]): Promise<ProviderEventOutcome[]> {
    for (const event of events) this.published.push({ endpointId: endpoint.id, event });
    return events.map(() => 'accepted');
  }
}

/** No handover store behind this adapter: nothing live to take over. */
class NoLiveHandovers extends LiveHandoverDirectory {
  async bindConversation(): Promise<undefined> {
    return undefined;
  }

  async *liveConversations(): AsyncGenerator<string> {}
}

const CLIENT = { clientId: 'connector-client', clientSecret: 'connector-client-secret' };
const INTEGRATION_ID = 'b7e3c1a0-0000-4000-8000-00000000a001';

/**
 * The Genesys adapter wired by hand (the same classes ProvidersModule wires) against the emulator over real HTTP
 * and WebSocket, with a sink that records what it is given.
 */
describe('Genesys Open Messaging adapter against the emulator', () => {
  let emulator: GenesysEmulator;
  let config: AppConfig;
  let redis: RedisService;
  let http: OutboundHttp;
  let notifications: GenesysNotifications;
  let provider: GenesysCloudOpenMessagingProvider;
  let api: GenesysApiClient;
  let leases: FleetLeases;
  /** The fleet layer over a notifications client: this process takes every endpoint's lease (nobody else competes). */
  const owners = (watcher: GenesysNotifications) =>
    new NotificationOwners(
      leases,
      redis,
      new EndpointsService(redis, config, [genesysCloudOpenMessaging.definition]),
      new NoLiveHandovers(),
      new RecordingSink(published),
      api,
      watcher,
    );
  const sent: OutboundRequest[] = [];
  const published: { endpointId: string; event: ProviderEvent }[] = [];

  const endpoint = (overrides: Partial<GenesysEndpoint['provider']> = {}): GenesysEndpoint => ({
    id: `ep-${randomUUID().slice(0, 8)}`,
    name: 'adapter test',
    bot: {},
    handoverDefaults: {
      skills: [],
      customAttributes: {},
      inactivityTimeoutSeconds: 0,
      queueTimeoutSeconds: 0,
      queueUpdateIntervalSeconds: 0,
    },
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    provider: {
      type: 'genesys-cloud-open-messaging',
      apiBaseUrl: emulator.url,
      loginBaseUrl: emulator.url,
      ...CLIENT,
      integrationId: INTEGRATION_ID,
      webhookSecret: 'emulator-webhook-secret-0123456789',
      rateLimitPerMinute: 300,
      queueId: DEFAULT_QUEUE_ID,
      ...overrides,
    },
  });
  const customer = () => ({ id: `u-${randomUUID()}`, nickname: 'Ada', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
  /** A new customer writes `text`: a new Genesys conversation, whose id is returned. */
  const openConversation = async (ep: GenesysEndpoint, adapter = provider, text = 'hi'): Promise<string> => {
    const sent = await adapter.sendCustomerMessage(ep, {
      customer: customer(),
      messageId: randomUUID(),
      time: new Date().toISOString(),
      text,
    });
    return sent.conversationId!;
  };
  const startEmulator = (options: Parameters<typeof GenesysEmulator.start>[0] = {}) =>
    GenesysEmulator.start({
      port: 0,
      oauthClients: [CLIENT],
      // Nobody listens there: these tests look at what reaches Genesys, not at webhooks.
      integrations: [{ id: INTEGRATION_ID, webhookUrl: 'http://127.0.0.1:9/unused', webhookSecret: 'emulator-webhook-secret-0123456789' }],
      webhookMaxRetries: 0,
      ...options,
    });
  const signals = (conversationId: string) =>
    published
      .map((p) => p.event)
      .filter((e): e is ConversationSignalEvent => e.kind === 'conversation.signal' && e.conversationId === conversationId);

  beforeAll(async () => {
    // Reconnects are logged as they happen; these tests cause them on purpose.
    Logger.overrideLogger(['error']);
    emulator = await startEmulator({ heartbeatIntervalMs: 200 });
    config = AppConfig.fromEnvironment(testEnvironment({ HTTP_TIMEOUT_MS: '1500' }));
    redis = new RedisService(config);
    await redis.onModuleInit();
    http = new OutboundHttp(config);
    const request = http.request.bind(http);
    jest.spyOn(http, 'request').mockImplementation(async (req) => {
      sent.push(req);
      return request(req);
    });
    api = new GenesysApiClient(http, new GenesysAuth(http), new ProviderRateLimiter(redis), { baseDelayMs: 50, maxDelayMs: 200 });
    notifications = new GenesysNotifications(
      api,
      http,
      new ConversationSignalPublisher(new RecordingSink(published), new AgentDirectory(api)),
      {
        heartbeatTimeoutMs: 2000,
        reconnectBaseMs: 100,
        reconnectMaxMs: 500,
      },
    );
    leases = new FleetLeases(redis);
    provider = new GenesysCloudOpenMessagingProvider(api, notifications, owners(notifications), new AgentDirectory(api));
  });

  afterAll(async () => {
    await leases.beforeApplicationShutdown();
    await notifications.onApplicationShutdown();
    await http.onApplicationShutdown();
    await emulator.close();
    await redis.onApplicationShutdown();
    await deleteKeysWithPrefix(config.redisPrefix);
  });

  beforeEach(() => {
    sent.length = 0;
    emulator.clearFaults();
  });

  describe('inbound calls', () => {
    it('puts routing data in channel.metadata.customAttributes as strings, on the first message only, and learns the conversation id', async () => {
      const ep = endpoint();
      const who = customer();
      const first = await provider.sendCustomerMessage(ep, {
        customer: who,
        messageId: 'm-1',
        time: new Date().toISOString(),
        text: 'I want a human',
        routing: {
          language: 'english',
          skills: ['billing', 'escalation'],
          priority: 5,
          customAttributes: { region: 'Europe', section: 'section A' },
        },
      });
      const second = await provider.sendCustomerMessage(ep, {
        customer: who,
        messageId: 'm-2',
        time: new Date().toISOString(),
        text: 'still there?',
      });

      expect(first.conversationId).toEqual(expect.any(String));
      expect(first.providerMessageId).toEqual(expect.any(String));
      expect(second.conversationId).toBe(first.conversationId);
      const conversation = emulator.conversation(first.conversationId!)!;
      expect(conversation.customer).toEqual({ ...who, idType: 'Opaque' });
      expect(conversation.customAttributes).toEqual({
        language: 'english',
        skills: 'billing,escalation',
        priority: '5',
        region: 'Europe',
        section: 'section A',
      });

      const inbound = sent.filter((r) => r.url.includes('/inbound/open/message'));
      expect(inbound).toHaveLength(2);
      expect(inbound[0].url).toBe(
        `${emulator.url}/api/v2/conversations/messages/${INTEGRATION_ID}/inbound/open/message?prefetchConversationId=true`,
      );
      const [body1, body2] = inbound.map((r) => r.json as Record<string, any>);
      expect(body1.channel.metadata).toEqual({ customAttributes: conversation.customAttributes });
      expect(Object.values(body1.channel.metadata.customAttributes).every((v) => typeof v === 'string')).toBe(true);
      expect(body1).not.toHaveProperty('metadata');
      expect(body1.channel).toMatchObject({ from: { id: who.id, idType: 'Opaque' }, messageId: 'm-1' });
      expect(body2.channel).not.toHaveProperty('metadata');
    });

    it('sends attachments with a media type derived from the MIME type, typing, receipts and quick-reply responses', async () => {
      const ep = endpoint();
      const who = customer();
      const { conversationId } = await provider.sendCustomerMessage(ep, {
        customer: who,
        messageId: 'm-att',
        time: new Date().toISOString(),
        attachments: [
          { url: 'https://files.example.com/photo.png', mime: 'image/png', filename: 'photo.png' },
          { url: 'https://files.example.com/report.pdf', mime: 'application/pdf', filename: 'report.pdf' },
        ],
      });
      await provider.sendCustomerTyping(ep, who, new Date().toISOString());
      emulator.joinAgent(conversationId!, { agentName: 'Sam Agent' });
      const agentMessage = emulator.agentMessage(conversationId!, { text: 'Pick one', quickReplies: [{ text: 'Yes' }, { text: 'No' }] });
      await provider.sendReceipt(ep, { customer: who, providerMessageId: agentMessage.id, status: 'Delivered' });
      await provider.sendReceipt(ep, {
        customer: who,
        providerMessageId: agentMessage.id,
        status: 'Failed',
        reason: { code: 'RateLimited', message: 'bot busy' },
      });
      await provider.sendCustomerMessage(ep, {
        customer: who,
        messageId: 'm-qr',
        time: new Date().toISOString(),
        reply: { type: 'QuickReply', text: 'Yes', payload: 'Yes', originatingMessageId: agentMessage.id },
      });

      const log = emulator.conversation(conversationId!)!.messages;
      // One Attachment item per message: two messages, in order.
      const withAttachments = log.filter(
        (e) => e.direction === 'Inbound' && e.type === 'Text' && (e.payload.content as unknown[]).length > 0,
      );
      expect(
        withAttachments.map((e) => (e.payload.content as { attachment: { mediaType: string } }[]).map((c) => c.attachment.mediaType)),
      ).toEqual([['Image'], ['File']]);
      expect(log.some((e) => e.direction === 'Inbound' && e.type === 'Event')).toBe(true);
      const receipts = log.filter((e) => e.type === 'Receipt' && e.id === agentMessage.id).map((e) => e.payload);
      expect(receipts).toEqual([
        expect.objectContaining({ status: 'Delivered', isFinalReceipt: true, reasons: [] }),
        expect.objectContaining({ status: 'Failed', reasons: [{ code: 'RateLimited', message: 'bot busy' }] }),
      ]);
      expect(log.find((e) => e.type === 'Structured' && e.direction === 'Inbound')?.payload).toMatchObject({
        content: [{ contentType: 'ButtonResponse', buttonResponse: { type: 'QuickReply', text: 'Yes', payload: 'Yes' } }],
        originatingMessageId: agentMessage.id,
      });
    });

    it('disconnects the customer participant, idempotently', async () => {
      const ep = endpoint();
      const conversationId = await openConversation(ep, provider, 'bye soon');
      emulator.joinAgent(conversationId);
      await provider.disconnectCustomer(ep, conversationId);

      const conversation = emulator.conversation(conversationId)!;
      expect(conversation.state).toBe('disconnected');
      expect(conversation.participants.find((p) => p.purpose === 'customer')?.state).toBe('disconnected');
      const patches = sent.filter((r) => r.method === 'PATCH');
      expect(patches).toHaveLength(1);
      const customerId = conversation.participants.find((p) => p.purpose === 'customer')!.id;
      expect(patches[0]).toMatchObject({
        url: `${emulator.url}/api/v2/conversations/messages/${conversationId}/participants/${customerId}`,
        json: { state: 'disconnected' },
      });

      await provider.disconnectCustomer(ep, conversationId);
      await provider.disconnectCustomer(ep, randomUUID());
      expect(sent.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    });

    it('reads the queue estimated wait time and agent availability', async () => {
      const ep = endpoint();
      // INTERACTING agents may have spare messaging capacity: available while no conversation waits.
      emulator.setRouting({ estimatedWaitSeconds: 42, agentsIdle: 0, agentsInteracting: 3, waiting: 1 });
      expect(await provider.getQueueStatus(ep, 'any')).toEqual({ estimatedWaitMs: 42000 });
      expect(await provider.checkAvailability(ep, { skills: [] })).toEqual({
        available: false,
        agentsAvailable: 0,
        agentsInteracting: 3,
        conversationsWaiting: 1,
      });
      emulator.setRouting({ agentsIdle: 2 });
      expect(await provider.checkAvailability(ep, { skills: ['billing'] })).toEqual({
        available: true,
        agentsAvailable: 2,
        agentsInteracting: 3,
        conversationsWaiting: 1,
      });
      emulator.setRouting({ waiting: 0 });
      expect(await provider.getQueueStatus(endpoint({ queueId: undefined }), 'any')).toBeNull();
    });

    it('asks for the estimated wait per conversation, and falls back to one answer per queue when Genesys has none', async () => {
      const ep = endpoint();
      const queueCalls = () => emulator.apiCalls().calls.filter((c) => c.path.endsWith('/mediatypes/message/estimatedwaittime')).length;
      emulator.setRouting({ estimatedWaitSeconds: 30 });
      const before = queueCalls();
      // Conversations Genesys does not have waiting: no estimate of their own, the queue's, asked once.
      const statuses = await Promise.all(Array.from({ length: 50 }, () => provider.getQueueStatus(ep, randomUUID())));
      expect(statuses).toEqual(Array.from({ length: 50 }, () => ({ estimatedWaitMs: 30000 })));
      expect(queueCalls() - before).toBe(1);
      expect(await provider.getQueueStatus(endpoint(), 'another endpoint')).toEqual({ estimatedWaitMs: 30000 });
      expect(queueCalls() - before).toBe(2);
      // A waiting conversation: its own estimate, by its place in the queue.
      const waiting = await openConversation(ep);
      const position = (await provider.getQueueStatus(ep, waiting))!.estimatedWaitMs! / 30000;
      expect(Number.isInteger(position) && position >= 1).toBe(true);
    });
  });

  describe('resilience', () => {
    it('honours Retry-After on 429 (the wait is measured)', async () => {
      const ep = endpoint();
      emulator.addFault({ mode: '429', count: 1, retryAfterSeconds: 1, pathPrefix: '/api/v2/conversations/messages' });
      const started = Date.now();
      const conversationId = await openConversation(ep, provider, 'hello');
      const elapsed = Date.now() - started;
      expect(conversationId).toEqual(expect.any(String));
      expect(elapsed).toBeGreaterThanOrEqual(1000);
      expect(elapsed).toBeLessThan(3000);
      const calls = emulator.apiCalls().calls.filter((c) => c.path.endsWith('/inbound/open/message'));
      expect(calls.slice(-2).map((c) => c.status)).toEqual([429, 200]);
    });

    it('hands a long Retry-After back to the caller as a retryable error instead of waiting', async () => {
      emulator.addFault({ mode: '429', count: 1, retryAfterSeconds: 30, pathPrefix: '/api/v2/conversations/messages' });
      const started = Date.now();
      const err = await openConversation(endpoint()).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ disposition: 'retry', status: 429, retryAfterMs: 30000 });
    });

    it('retries 503 and a hanging request in place', async () => {
      emulator.addFault({ mode: '503', count: 1, pathPrefix: '/api/v2/conversations/messages' });
      emulator.addFault({ mode: 'hang', count: 1, pathPrefix: '/api/v2/conversations/messages' });
      const conversationId = await openConversation(endpoint(), provider, 'hello');
      expect(conversationId).toEqual(expect.any(String));
      const calls = emulator
        .apiCalls()
        .calls.filter((c) => c.path.endsWith('/inbound/open/message'))
        .slice(-3);
      expect(calls.map((c) => c.fault ?? c.status)).toEqual(['503', 'hang', 200]);
    });

    it('shares one token among concurrent calls and fetches a new one once after a 401', async () => {
      const fresh = { clientId: `client-${randomUUID()}`, clientSecret: 'fresh-client-secret-value' };
      emulator.addOAuthClient(fresh);
      const ep = endpoint(fresh);
      await Promise.all(Array.from({ length: 20 }, () => provider.checkAvailability(ep, { skills: [] })));
      expect(emulator.apiCalls().tokenRequestsByClient[fresh.clientId]).toBe(1);

      emulator.revokeTokens();
      await provider.checkAvailability(ep, { skills: [] });
      const after = emulator.apiCalls();
      expect(after.tokenRequestsByClient[fresh.clientId]).toBe(2);
      expect(
        after.calls
          .filter((c) => c.path.endsWith('/observations/query'))
          .slice(-2)
          .map((c) => c.status),
      ).toEqual([401, 200]);
    });

    it('enforces the endpoint rate limit through Redis before calling Genesys', async () => {
      const fresh = { clientId: `client-${randomUUID()}`, clientSecret: 'fresh-client-secret-value' };
      emulator.addOAuthClient(fresh);
      const ep = endpoint({ ...fresh, rateLimitPerMinute: 2 });
      await provider.checkAvailability(ep, { skills: [] });
      await provider.checkAvailability(ep, { skills: [] });
      const before = emulator.apiCalls().calls.length;
      const err = await provider.checkAvailability(ep, { skills: [] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ disposition: 'defer', status: 429 });
      expect(err).toBeInstanceOf(ProviderThrottledError);
      expect((err as ProviderError).retryAfterMs).toBeGreaterThan(50_000);
      expect(emulator.apiCalls().calls.length).toBe(before);
    });
  });

  describe('notifications', () => {
    const statusOf = (ep: GenesysEndpoint) => notifications.status()[ep.id]?.channels ?? [];

    it('signals alerting then agent.joined (the answer) with the agent name, keeps delivering after a dropped socket, and reads a transfer as left(TRANSFER)+alerting+joined', async () => {
      const ep = endpoint();
      const conversationId = await openConversation(ep, provider, 'hi');
      await provider.watchConversation(ep, conversationId);
      const channel = emulator
        .state()
        .notificationChannels.find((c) => c.topics.includes(`v2.detail.events.conversation.${conversationId}.user.start`));
      expect(channel?.topics).toHaveLength(5);
      expect(channel?.topics).toContain(`v2.detail.events.conversation.${conversationId}.acd.end`);

      emulator.joinAgent(conversationId, { agentName: 'Sam Agent' });
      await eventually(() => expect(signals(conversationId).map((s) => s.signal)).toEqual(['agent.alerting', 'agent.joined']));
      expect(signals(conversationId)[1]).toMatchObject({ agentName: 'Sam Agent', agentUserId: expect.any(String) });
      expect(signals(conversationId)[0]).toMatchObject({
        participantId: expect.any(String),
        agentUserId: signals(conversationId)[1].agentUserId,
      });

      const connects = statusOf(ep)[0].connects;
      expect(emulator.dropNotificationSockets()).toBeGreaterThan(0);
      await eventually(() => expect(statusOf(ep)[0]).toMatchObject({ open: true, connects: connects + 1 }));

      // A blind transfer to a user goes through no queue: no acd.end, the answer shows in the participant state.
      emulator.transferAgent(conversationId, { agentName: 'Tess Transfer' });
      await eventually(() =>
        expect(signals(conversationId).map((s) => s.signal)).toEqual([
          'agent.alerting',
          'agent.joined',
          'agent.left',
          'agent.wrapup',
          'agent.alerting',
        ]),
      );
      const [, , left, , alerting] = signals(conversationId);
      expect(left).toMatchObject({ signal: 'agent.left', disconnectType: 'TRANSFER', disconnectClass: 'transfer', unanswered: false });
      await expect(provider.agentState(ep, conversationId, alerting.participantId!)).resolves.toMatchObject({
        state: 'connected',
        agentName: 'Tess Transfer',
        agentUserId: alerting.agentUserId,
      });
      expect(emulator.conversation(conversationId)!.state).toBe('connected');
      await new Promise((r) => setTimeout(r, 200));
      expect(signals(conversationId).some((s) => s.signal === 'customer.left')).toBe(false);
      // Endpoints of one OAuth client share channels: leave none behind for the next test.
      await provider.unwatchConversation(ep, conversationId);
    });

    it('moves to a new channel on socket_closing and re-subscribes every watched conversation', async () => {
      const ep = endpoint();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(await openConversation(ep));
      await Promise.all(ids.map((id) => provider.watchConversation(ep, id)));
      const before = statusOf(ep);
      expect(before).toHaveLength(1);
      expect(before[0].topics).toBe(15);

      emulator.closeNotificationSockets();
      await eventually(() => expect(statusOf(ep)[0].channelId).not.toBe(before[0].channelId));
      await eventually(() => expect(statusOf(ep)[0].open).toBe(true));
      const moved = emulator.state().notificationChannels.find((c) => c.id === statusOf(ep)[0].channelId)!;
      expect(moved.topics).toHaveLength(15);

      for (const id of ids) emulator.joinAgent(id);
      emulator.endConversation(ids[1]);
      await eventually(() => {
        for (const id of ids) expect(signals(id).map((e) => e.signal)).toContain('agent.joined');
        expect(signals(ids[1]).map((s) => s.signal)).toEqual(expect.arrayContaining(['agent.left', 'customer.left']));
      });
      expect(signals(ids[1]).find((s) => s.signal === 'agent.left')).toMatchObject({ disconnectType: 'CLIENT', disconnectClass: 'end' });
    });

    it('stops listening once every conversation is unwatched', async () => {
      const ep = endpoint();
      const conversationId = await openConversation(ep, provider, 'hi');
      await provider.watchConversation(ep, conversationId);
      expect(notifications.status()[ep.id].conversations).toEqual([conversationId]);
      await provider.unwatchConversation(ep, conversationId);
      expect(notifications.status()[ep.id]).toBeUndefined();
      emulator.joinAgent(conversationId);
      await new Promise((r) => setTimeout(r, 300));
      expect(signals(conversationId)).toEqual([]);
    });
  });
  describe('notification channel lifetime', () => {
    let quiet: GenesysEmulator;
    const watchers: GenesysNotifications[] = [];

    beforeAll(async () => {
      // Heartbeats far apart: a short heartbeat window on our side must read the socket as dead.
      quiet = await startEmulator({ heartbeatIntervalMs: 60_000 });
    });

    afterAll(async () => {
      for (const w of watchers) await w.onApplicationShutdown();
      await quiet.close();
    });

    const setUp = async (options: ConstructorParameters<typeof GenesysNotifications>[3]) => {
      const publisher = new ConversationSignalPublisher(new RecordingSink(published), new AgentDirectory(api));
      const watcher = new GenesysNotifications(api, http, publisher, { reconnectBaseMs: 50, reconnectMaxMs: 200, ...options });
      watchers.push(watcher);
      const ep = { ...endpoint(), provider: { ...endpoint().provider, apiBaseUrl: quiet.url, loginBaseUrl: quiet.url } };
      const adapter = new GenesysCloudOpenMessagingProvider(api, watcher, owners(watcher), new AgentDirectory(api));
      const conversationId = await openConversation(ep, adapter);
      await adapter.watchConversation(ep, conversationId);
      return { watcher, ep, conversationId };
    };

    it('treats a missed heartbeat window as a dead socket and reconnects', async () => {
      const { watcher, ep, conversationId } = await setUp({ heartbeatTimeoutMs: 300 });
      const first = watcher.status()[ep.id].channels[0];
      await eventually(() => expect(watcher.status()[ep.id].channels[0].connects).toBeGreaterThan(first.connects), { timeoutMs: 3000 });
      await watcher.unwatch(ep, conversationId);
    });

    it('retries conversations that found no channel with one channel request each time, not one per conversation', async () => {
      // One channel per client allowed, and one kept free for renewals: this client may open none.
      const watcher = new GenesysNotifications(
        api,
        http,
        new ConversationSignalPublisher(new RecordingSink(published), new AgentDirectory(api)),
        {
          maxChannelsPerClient: 1,
          pendingRetryMs: 200,
        },
      );
      watchers.push(watcher);
      const ep = { ...endpoint(), provider: { ...endpoint().provider, apiBaseUrl: quiet.url, loginBaseUrl: quiet.url } };
      for (let i = 0; i < 6; i++) await watcher.watch(ep, randomUUID());
      expect(watcher.status()[ep.id]).toMatchObject({ channels: [] });
      const listings = () => sent.filter((r) => r.method === 'GET' && r.url.includes('/api/v2/notifications/channels')).length;
      const before = listings();
      await new Promise((r) => setTimeout(r, 700));
      // Three retries at most in 700 ms, each asking once whether the client has room (not six times).
      expect(listings() - before).toBeGreaterThan(0);
      expect(listings() - before).toBeLessThanOrEqual(4);
    });

    it('renews the channel before it expires and keeps delivering', async () => {
      const { watcher, ep, conversationId } = await setUp({ heartbeatTimeoutMs: 60_000, renewAfterMs: 500 });
      const first = watcher.status()[ep.id].channels[0].channelId;
      const channel = () => watcher.status()[ep.id].channels[0];
      await eventually(() => expect(channel()).toMatchObject({ open: true, channelId: expect.not.stringMatching(first!) }), {
        timeoutMs: 3000,
      });
      quiet.joinAgent(conversationId);
      await eventually(() => expect(signals(conversationId).map((e) => e.signal)).toContain('agent.joined'));
      await watcher.unwatch(ep, conversationId);
    });
  });
});
