import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { json, urlencoded } from 'express';
import { OAuthServer } from './auth';
import { controlRoutes } from './control-routes';
import { ControlError, controlErrorHandler, genesysErrorHandler, genesysNotFound } from './errors';
import { TrafficControl } from './faults';
import { LiveFeed } from './live-feed';
import { NotificationHub, detailEventBody, lifecycleTopicName } from './notifications';
import { openMessagingRoutes } from './open-messaging-routes';
import { agentMessage, agentTyping, inboundReceipt, type OutboundMessage } from './outbound-messages';
import { WebhookDispatcher } from './outbound-webhooks';
import { routingRoutes } from './routing-routes';
import { EmulatorStore, type Conversation } from './store';
import type {
  ActiveFault,
  AgentMessageInput,
  ApiCallStats,
  ConversationView,
  EmulatorChange,
  EmulatorOptions,
  EmulatorState,
  FaultInput,
  IntegrationInput,
  LogEntry,
  NotificationRecord,
  OAuthClientInput,
  NoAnswerType,
  OpenIntegration,
  Participant,
  ResolvedOptions,
  RoutingSettings,
  TransferType,
} from './types';
import type { DeliveryRecord } from '../shared/signed-webhooks';
import { NO_ANSWER_TYPES, TRANSFER_TYPES } from './types';

export const DEFAULT_QUEUE_ID = 'a1f2c3d4-0000-4000-8000-0000000e0001';
const DEFAULT_AGENT_NAME = 'Emulated Agent';
/** Genesys's default messaging threading timeline: 72 h (help "Messaging threading timeline"). */
export const DEFAULT_THREADING_TIMELINE_SECONDS = 72 * 60 * 60;

function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    webhookRetryDelayMs: options.webhookRetryDelayMs ?? 5000,
    webhookMaxRetries: options.webhookMaxRetries ?? 5,
    webhookTimeoutMs: options.webhookTimeoutMs ?? 10000,
    threadingTimelineSeconds: options.threadingTimelineSeconds ?? DEFAULT_THREADING_TIMELINE_SECONDS,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 30000,
    notificationChannelTtlMs: options.notificationChannelTtlMs ?? 24 * 60 * 60 * 1000,
    inboundReceiptWebhooks: options.inboundReceiptWebhooks ?? false,
    checkOriginatingMessage: options.checkOriginatingMessage ?? false,
    oauthClients: options.oauthClients ?? [],
    integrations: options.integrations ?? [],
    routing: {
      queueId: DEFAULT_QUEUE_ID,
      queueName: 'Emulated Queue',
      estimatedWaitSeconds: 30,
      agentsIdle: 1,
      agentsInteracting: 0,
      waiting: 0,
      ...options.routing,
    },
  };
}

/**
 * A local Genesys Cloud for Open Messaging: the login and api hosts on one origin, in-memory state, signed outbound
 * webhooks, the Notifications WebSocket, fault switches, and a control API (`/emulator/v1`) to act as the agent.
 */
export class GenesysEmulator {
  private readonly store: EmulatorStore;
  private readonly auth = new OAuthServer();
  private readonly traffic: TrafficControl;
  private readonly notificationHub: NotificationHub;
  private readonly dispatcher: WebhookDispatcher;
  private readonly liveFeed: LiveFeed;
  private readonly server: http.Server;
  private baseUrl = '';
  private closing?: Promise<void>;

  private constructor(private readonly options: ResolvedOptions) {
    this.store = new EmulatorStore(options.threadingTimelineSeconds, options.routing);
    this.traffic = new TrafficControl((faults) => this.store.emitChange({ type: 'faults', faults }));
    this.notificationHub = new NotificationHub(
      {
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        channelTtlMs: options.notificationChannelTtlMs,
        permissionsOf: (clientId) => this.auth.permissionsOf(clientId),
      },
      (record) => this.store.recordNotification(record),
    );
    this.dispatcher = new WebhookDispatcher(
      {
        retryDelayMs: options.webhookRetryDelayMs,
        maxRetries: options.webhookMaxRetries,
        timeoutMs: options.webhookTimeoutMs,
      },
      (conversationId, delivery) => this.store.deliveryUpdated(conversationId, delivery),
    );
    this.liveFeed = new LiveFeed(() => this.state());
    this.store.onLifecycle((event) => this.notificationHub.publish(lifecycleTopicName(event), detailEventBody(event)));
    this.store.onChange((change) => this.liveFeed.broadcast(change));

    for (const client of options.oauthClients) this.auth.addClient(client);
    for (const integration of options.integrations) this.addIntegration(integration);

    this.server = http.createServer(this.buildApp());
    this.server.on('upgrade', (req, socket, head) => {
      if (!this.notificationHub.handleUpgrade(req, socket, head) && !this.liveFeed.handleUpgrade(req, socket, head)) {
        socket.destroy();
      }
    });
  }

  static async start(options: EmulatorOptions = {}): Promise<GenesysEmulator> {
    const emulator = new GenesysEmulator(resolveOptions(options));
    await new Promise<void>((resolve, reject) => {
      emulator.server.once('error', reject);
      emulator.server.listen(emulator.options.port, emulator.options.host, () => resolve());
    });
    const { port } = emulator.server.address() as AddressInfo;
    const host = ['0.0.0.0', '::'].includes(emulator.options.host) ? '127.0.0.1' : emulator.options.host;
    emulator.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return emulator;
  }

  /** Base URL of both the login and the api host (`loginBaseUrl = apiBaseUrl = url`). */
  get url(): string {
    return this.baseUrl;
  }

  /** Stops deliveries and timers, closes every socket (notification sockets get `socket_closing` first). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.store.close();
      this.dispatcher.close();
      this.traffic.releaseHanging();
      await Promise.all([this.notificationHub.close(), this.liveFeed.close()]);
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeAllConnections();
      });
    })();
    return this.closing;
  }

  // ---- configuration ----------------------------------------------------------------------------------------------

  addOAuthClient(input: OAuthClientInput): void {
    if (typeof input?.clientId !== 'string' || typeof input.clientSecret !== 'string') {
      throw new ControlError(400, 'clientId and clientSecret are required strings');
    }
    if (input.permissions !== undefined && !(Array.isArray(input.permissions) && input.permissions.every((p) => typeof p === 'string'))) {
      throw new ControlError(400, 'permissions must be a list of strings');
    }
    const ttl = input.tokenTtlSeconds;
    if (ttl !== undefined && !(typeof ttl === 'number' && ttl > 0)) {
      throw new ControlError(400, 'tokenTtlSeconds must be a positive number');
    }
    this.auth.addClient(input);
  }

  /** Every issued token becomes invalid, so the next API call answers 401. */
  revokeTokens(): void {
    this.auth.revokeTokens();
  }

  addIntegration(input: IntegrationInput): OpenIntegration {
    if (input.id !== undefined && (typeof input.id !== 'string' || !input.id)) throw new ControlError(400, 'id must be a string');
    return this.store.integrations.create({
      id: input.id,
      name: input.name ?? 'Handover Connector',
      outboundNotificationWebhookUrl: input.webhookUrl,
      outboundNotificationWebhookSignatureSecretToken: input.webhookSecret,
      webhookHeaders: input.webhookHeaders,
    });
  }

  setRouting(settings: Partial<RoutingSettings>): RoutingSettings {
    for (const key of ['queueId', 'queueName'] as const) {
      if (settings[key] !== undefined && typeof settings[key] !== 'string') throw new ControlError(400, `${key} must be a string`);
    }
    for (const key of ['estimatedWaitSeconds', 'agentsIdle', 'agentsInteracting', 'waiting'] as const) {
      const value = settings[key];
      if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
        throw new ControlError(400, `${key} must be a number >= 0`);
      }
    }
    return this.store.setRouting(settings);
  }

  addFault(input: FaultInput): ActiveFault {
    return this.traffic.addFault(input);
  }

  clearFaults(): void {
    this.traffic.clearFaults();
  }

  // ---- inspection -------------------------------------------------------------------------------------------------

  state(): EmulatorState {
    return {
      url: this.url,
      integrations: this.store.integrations.all().map((i) => structuredClone(i)),
      conversations: this.store.allConversations().map((c) => this.store.view(c)),
      users: this.store.allUsers(),
      routing: { ...this.store.routing },
      faults: this.traffic.activeFaults(),
      notificationChannels: this.notificationHub.views(),
      notificationChannelsEvicted: this.notificationHub.evicted,
      notifications: this.store.notificationLog(),
      apiCalls: this.apiCalls(),
    };
  }

  conversation(id: string): ConversationView | undefined {
    const conversation = this.store.getConversation(id);
    return conversation && this.store.view(conversation);
  }

  /** The newest conversation of a sender (`channel.from.id`) on an integration. */
  conversationFor(integrationId: string, customerId: string): ConversationView | undefined {
    const conversation = this.store.latestConversation(integrationId, customerId);
    return conversation && this.store.view(conversation);
  }

  apiCalls(): ApiCallStats {
    const tokenRequestsByClient = this.auth.tokenRequestCounts();
    return {
      tokenRequests: Object.values(tokenRequestsByClient).reduce((sum, n) => sum + n, 0),
      tokenRequestsByClient,
      countsByPath: this.traffic.countsByPath(),
      calls: this.traffic.callLog(),
    };
  }

  notifications(): NotificationRecord[] {
    return this.store.notificationLog();
  }

  /** Every outbound webhook delivery so far, in the order they were queued. */
  webhookDeliveries(): DeliveryRecord[] {
    return this.store
      .allConversations()
      .flatMap((c) => c.log)
      .filter((entry) => entry.delivery)
      .sort((a, b) => a.seq - b.seq)
      .map((entry) => structuredClone(entry.delivery as DeliveryRecord));
  }

  /** Resolves when no webhook delivery is pending (each has succeeded, failed for good or been skipped). */
  webhooksIdle(): Promise<void> {
    return this.dispatcher.idle();
  }

  /** Subscribes to every state change (what the live feed pushes). */
  onChange(listener: (change: EmulatorChange) => void): () => void {
    return this.store.onChange(listener);
  }

  // ---- acting as the agent ------------------------------------------------------------------------------------------

  /**
   * An agent picks the conversation up: offered and answered at once (`user.start`, then `acd.end` ANSWERED). An
   * agent of that name already alerting answers.
   */
  joinAgent(conversationId: string, options: { agentName?: string } = {}): ConversationView {
    const conversation = this.requireOpenConversation(conversationId);
    if (this.store.connectedAgent(conversation)) {
      throw new ControlError(409, 'An agent is already connected; use transfer');
    }
    const user = this.store.userByName(options.agentName || DEFAULT_AGENT_NAME);
    const alerting = this.store.alertingAgent(conversation);
    if (alerting && alerting.userId === user.id) this.store.answerAgent(conversation, alerting);
    else if (alerting) throw new ControlError(409, `${alerting.name} is being alerted; answer or miss first`);
    else this.store.connectAgent(conversation, user);
    return this.store.view(conversation);
  }

  /** Routing alerts an agent (`user.start`); without an answer within `alertingTimeoutMs` the leg ends NO_ANSWER_TRANSFER. */
  offerAgent(conversationId: string, options: { agentName?: string; alertingTimeoutMs?: number } = {}): ConversationView {
    const conversation = this.requireOpenConversation(conversationId);
    if (this.store.connectedAgent(conversation) || this.store.alertingAgent(conversation)) {
      throw new ControlError(409, 'An agent is already connected or alerting');
    }
    const timeout = options.alertingTimeoutMs;
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) throw new ControlError(400, 'alertingTimeoutMs must be > 0');
    this.store.offerAgent(conversation, this.store.userByName(options.agentName || DEFAULT_AGENT_NAME), { alertingTimeoutMs: timeout });
    return this.store.view(conversation);
  }

  /** The alerted agent answers. */
  answerAgent(conversationId: string): ConversationView {
    const conversation = this.requireOpenConversation(conversationId);
    const alerting = this.store.alertingAgent(conversation);
    if (!alerting) throw new ControlError(409, 'No agent is alerting');
    this.store.answerAgent(conversation, alerting);
    return this.store.view(conversation);
  }

  /** The alerted agent does not answer: the leg ends (NO_ANSWER_TRANSFER by default) and the conversation is queued again. */
  missAgent(conversationId: string, options: { disconnectType?: string } = {}): ConversationView {
    const conversation = this.requireOpenConversation(conversationId);
    const alerting = this.store.alertingAgent(conversation);
    if (!alerting) throw new ControlError(409, 'No agent is alerting');
    const type = options.disconnectType ?? 'NO_ANSWER_TRANSFER';
    if (!(NO_ANSWER_TYPES as readonly string[]).includes(type))
      throw new ControlError(400, `disconnectType must be one of ${NO_ANSWER_TYPES.join(', ')}`);
    this.store.missAgent(conversation, alerting, type as NoAnswerType);
    return this.store.view(conversation);
  }

  agentTyping(conversationId: string): LogEntry {
    const conversation = this.requireOpenConversation(conversationId);
    this.requireAgent(conversation);
    return this.dispatch(conversation, agentTyping(this.outboundContext(conversation)));
  }

  agentMessage(conversationId: string, input: AgentMessageInput): LogEntry {
    const conversation = this.requireOpenConversation(conversationId);
    if ((input.originatingEntity ?? 'Human') === 'Human') this.requireAgent(conversation);
    return this.dispatch(conversation, agentMessage(this.outboundContext(conversation), input));
  }

  /**
   * The connected agent transfers: to a named agent (blind or forward: the first leg ends, then the next agent is
   * alerted and, unless `answer: false`, answers; consult or conference: the next agent is connected first), or
   * `toQueue` (the conversation waits in the queue for the next offer).
   */
  transferAgent(
    conversationId: string,
    options: { agentName?: string; disconnectType?: string; toQueue?: boolean; answer?: boolean },
  ): ConversationView {
    if (!options?.agentName && !options?.toQueue) throw new ControlError(400, 'agentName is required (or toQueue)');
    const type = options.disconnectType ?? 'TRANSFER';
    if (!(TRANSFER_TYPES as readonly string[]).includes(type))
      throw new ControlError(400, `disconnectType must be one of ${TRANSFER_TYPES.join(', ')}`);
    const conversation = this.requireOpenConversation(conversationId);
    const to = options.agentName ? this.store.userByName(options.agentName) : undefined;
    this.store.transferAgent(conversation, this.requireAgent(conversation), to, {
      type: type as TransferType,
      toQueue: options.toQueue,
      answer: options.answer,
    });
    return this.store.view(conversation);
  }

  /** The customer leaves (their side ends with CLIENT, the agent's with PEER). */
  customerLeaves(conversationId: string): ConversationView {
    const conversation = this.requireOpenConversation(conversationId);
    this.store.endConversation(conversation, 'customer');
    return this.store.view(conversation);
  }

  /** The agent ends the conversation (with no agent connected, the system ends it). */
  endConversation(conversationId: string): ConversationView {
    const conversation = this.requireConversation(conversationId);
    this.store.endConversation(conversation, this.store.connectedAgent(conversation) ? 'agent' : 'system');
    return this.store.view(conversation);
  }

  // ---- notifications and reset ------------------------------------------------------------------------------------

  /** Cuts every notification socket abruptly; channels and subscriptions survive for a reconnect. */
  dropNotificationSockets(): number {
    return this.notificationHub.dropAllSockets();
  }

  /** Sends `v2.system.socket_closing` on every notification socket, then closes it. */
  closeNotificationSockets(): number {
    return this.notificationHub.closeAllSockets();
  }

  /**
   * Forgets conversations, agents, deliveries (pending ones are cancelled), notifications, call counts, faults
   * (hung requests are cut) and routing changes. OAuth clients, tokens, integrations and notification channels stay.
   */
  reset(): void {
    this.dispatcher.cancelAll();
    this.traffic.reset();
    this.auth.resetCounters();
    this.store.reset();
  }

  // ---- internals ----------------------------------------------------------------------------------------------------

  private buildApp(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);

    app.use('/emulator/v1', allowBrowsers, json(), controlRoutes(this), controlErrorHandler);

    app.use(['/oauth', '/api/v2'], this.traffic.middleware);
    app.post('/oauth/token', urlencoded({ extended: false }), this.auth.tokenHandler);
    app.use('/api/v2', this.auth.requireBearer, json({ limit: '10mb' }));
    app.use(
      '/api/v2',
      openMessagingRoutes({
        store: this.store,
        checkOriginatingMessage: this.options.checkOriginatingMessage,
        onInboundMessage: (conversation, entry) => {
          if (!this.options.inboundReceiptWebhooks) return;
          this.dispatch(conversation, inboundReceipt(this.outboundContext(conversation), entry));
        },
      }),
      routingRoutes(this.store),
    );
    app.use('/api/v2/notifications', this.notificationHub.router());
    app.use(['/api/v2', '/oauth'], genesysNotFound);
    app.use(genesysErrorHandler);

    app.get('/', (_req, res) => {
      res.json({ name: 'Genesys Cloud emulator', url: this.url, state: '/emulator/v1/state', live: '/emulator/v1/live' });
    });
    return app;
  }

  private dispatch(conversation: Conversation, message: OutboundMessage): LogEntry {
    const integration = this.store.integrations.get(conversation.integrationId);
    const delivery: DeliveryRecord = { messageId: message.id, state: 'pending', attempts: [] };
    const entry = this.store.appendLog(conversation, {
      direction: 'Outbound',
      type: message.type,
      id: message.id,
      payload: message.payload,
      delivery,
    });
    const target = integration && {
      url: integration.outboundNotificationWebhookUrl,
      secret: integration.outboundNotificationWebhookSignatureSecretToken,
      headers: integration.webhookHeaders,
    };
    this.dispatcher.enqueue(conversation.id, target, message.payload, delivery);
    return structuredClone(entry);
  }

  private outboundContext(conversation: Conversation) {
    const integration = this.store.integrations.get(conversation.integrationId);
    return { conversation, integrationName: integration?.name ?? conversation.integrationId };
  }

  private requireConversation(id: string): Conversation {
    const conversation = this.store.getConversation(id);
    if (!conversation) throw new ControlError(404, `Conversation ${id} not found`);
    return conversation;
  }

  private requireOpenConversation(id: string): Conversation {
    const conversation = this.requireConversation(id);
    if (conversation.state !== 'connected') throw new ControlError(409, `Conversation ${id} has ended`);
    return conversation;
  }

  private requireAgent(conversation: Conversation): Participant {
    const agent = this.store.connectedAgent(conversation);
    if (!agent) throw new ControlError(409, 'No agent is connected; join first');
    return agent;
  }
}

const allowBrowsers: express.RequestHandler = (req, res, next) => {
  res.set({
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
  });
  if (req.method === 'OPTIONS') {
    res.sendStatus(204);
    return;
  }
  next();
};
