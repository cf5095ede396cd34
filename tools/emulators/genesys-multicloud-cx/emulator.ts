import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { json } from 'express';
import { ControlError, controlErrors } from '../shared/control-errors';
import { LiveFeed } from '../shared/live-feed';
import { DeliveryFaults, DeliveryRecord, WebhookDispatcher, WebhookTarget } from '../shared/signed-webhooks';
import { TrafficControl } from '../shared/traffic-control';
import { mcxControlRoutes } from './control-routes';
import { InboundMessage, NexusError, nexusErrors, nexusRoutes, sendNexusError, signNexusBody } from './nexus-routes';
import { Interaction, McxStore } from './store';
import type {
  AgentWriteInput,
  Channel,
  ChannelInput,
  DeskConversation,
  InteractionView,
  LogEntry,
  McxActiveFault,
  McxApiCalls,
  McxChange,
  McxEmulatorOptions,
  McxEmulatorState,
  McxFaultInput,
  McxFaultMode,
  ResolvedMcxOptions,
  WebhookFault,
  WebhookFaultInput,
} from './types';

const DEFAULT_AGENT_NAME = 'Emulated Agent';
const WEBHOOK_FAULT_MODES = ['wrong-signature', 'duplicate', 'delay'] as const;
/** How long the Designer application waits for the routing-context answer. */
const ROUTING_TIMEOUT_MS = 5000;

function resolveOptions(options: McxEmulatorOptions): ResolvedMcxOptions {
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    webhookRetryDelayMs: options.webhookRetryDelayMs ?? 5000,
    webhookMaxRetries: options.webhookMaxRetries ?? 5,
    webhookTimeoutMs: options.webhookTimeoutMs ?? 10000,
    unknownReceipts: options.unknownReceipts ?? 'reject',
    channels: options.channels ?? [],
  };
}

/**
 * A local Genesys Multicloud CX Digital Channels for Third-Party Messaging (see README.md beside this file for what it
 * does differently from the product): the Nexus inbound API, interactions per (channel, consumer), the Designer
 * application's routing call, the Interactions webhook, signed agent-message webhooks with redelivery, fault
 * switches, and a control API (`/emulator/v1`) to act as the agent.
 */
export class McxEmulator {
  private readonly store = new McxStore();
  private readonly traffic: TrafficControl<McxFaultMode>;
  private readonly dispatcher: WebhookDispatcher;
  private readonly liveFeed: LiveFeed<McxEmulatorState, McxChange>;
  private readonly server: http.Server;
  private webhookFaults: WebhookFault[] = [];
  private readonly violationLog: string[] = [];
  private readonly routingCalls = new Set<AbortController>();
  private baseUrl = '';
  private closing?: Promise<void>;

  private constructor(private readonly options: ResolvedMcxOptions) {
    this.traffic = new TrafficControl<McxFaultMode>((faults) => this.store.emit({ type: 'faults', faults }), {
      '429': (res, fault) => {
        res.set('Retry-After', String(fault.retryAfterSeconds ?? 1));
        sendNexusError(res, 429, 'Too many requests');
      },
      '503': (res) => sendNexusError(res, 503, 'Service unavailable'),
      // A 200 whose envelope says it failed: the connector must read status.code, not only the HTTP status.
      'status-code': (res) => void res.status(200).json({ status: { code: 2, message: 'Emulated failure in the envelope' } }),
    });
    this.dispatcher = new WebhookDispatcher(
      {
        retryDelayMs: options.webhookRetryDelayMs,
        maxRetries: options.webhookMaxRetries,
        timeoutMs: options.webhookTimeoutMs,
        signing: { header: 'x-hub-signature', sign: signNexusBody },
        attemptHeaders: () => ({ 'x-b3-traceid': randomBytes(16).toString('hex') }),
      },
      (interactionId, delivery) => this.store.deliveryUpdated(interactionId, delivery),
    );
    this.liveFeed = new LiveFeed<McxEmulatorState, McxChange>(() => this.state());
    this.store.onChange((change) => this.liveFeed.broadcast(change));
    for (const channel of options.channels) this.addChannel(channel);
    this.server = http.createServer(this.buildApp());
    this.server.on('upgrade', (req, socket, head) => {
      if (!this.liveFeed.handleUpgrade(req, socket, head)) socket.destroy();
    });
  }

  static async start(options: McxEmulatorOptions = {}): Promise<McxEmulator> {
    const emulator = new McxEmulator(resolveOptions(options));
    await new Promise<void>((resolve, reject) => {
      emulator.server.once('error', reject);
      emulator.server.listen(emulator.options.port, emulator.options.host, () => resolve());
    });
    const { port } = emulator.server.address() as AddressInfo;
    const host = ['0.0.0.0', '::'].includes(emulator.options.host) ? '127.0.0.1' : emulator.options.host;
    emulator.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return emulator;
  }

  /** The emulator's origin. */
  get url(): string {
    return this.baseUrl;
  }

  /** What the connector's `provider.apiBaseUrl` is. */
  get apiBaseUrl(): string {
    return `${this.baseUrl}/nexus/v3`;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.dispatcher.close();
      this.traffic.releaseHanging();
      for (const call of this.routingCalls) call.abort();
      await this.liveFeed.close();
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeAllConnections();
      });
    })();
    return this.closing;
  }

  // ---- configuration ----------------------------------------------------------------------------------------------

  addChannel(input: ChannelInput): Omit<Channel, 'requestSecret' | 'webhookSecret' | 'apiKey' | 'routingToken'> {
    return publicChannel(this.store.addChannel(input));
  }

  addFault(input: McxFaultInput): McxActiveFault {
    return this.traffic.addFault(input);
  }

  /** The next `count` webhook deliveries are signed wrong, delivered twice, or delayed (off their lane). */
  addWebhookFault(input: WebhookFaultInput): WebhookFault {
    if (!WEBHOOK_FAULT_MODES.includes(input?.mode)) throw new ControlError(400, `mode must be one of ${WEBHOOK_FAULT_MODES.join(', ')}`);
    if (!Number.isInteger(input.count) || input.count < 1) throw new ControlError(400, 'count must be a positive integer');
    if (input.mode === 'delay' && !(Number.isFinite(input.delayMs) && (input.delayMs as number) >= 0)) {
      throw new ControlError(400, 'delayMs must be a number >= 0');
    }
    if (input.webhook !== undefined && input.webhook !== 'messages' && input.webhook !== 'interactions') {
      throw new ControlError(400, 'webhook must be messages or interactions');
    }
    const fault: WebhookFault = { ...input, webhook: input.webhook ?? 'messages', remaining: input.count };
    this.webhookFaults.push(fault);
    return { ...fault };
  }

  clearFaults(): void {
    this.traffic.clearFaults();
    this.webhookFaults = [];
  }

  // ---- inspection -------------------------------------------------------------------------------------------------

  state(): McxEmulatorState {
    return {
      url: this.url,
      channels: [...this.store.channels.values()].map(publicChannel),
      interactions: this.store.all().map((i) => this.store.view(i)),
      faults: this.traffic.activeFaults(),
      webhookFaults: this.webhookFaults.map((f) => ({ ...f })),
      apiCalls: this.apiCalls(),
      violations: [...this.violationLog],
    };
  }

  /** The demo desk's view: every interaction as a conversation, and the "queue". */
  desk(): { conversations: DeskConversation[]; routing: { queueName: string } } {
    return { conversations: this.store.all().map((i) => this.store.deskView(i)), routing: { queueName: 'Designer: Route Digital' } };
  }

  interaction(id: string): InteractionView | undefined {
    const interaction = this.store.get(id);
    return interaction && this.store.view(interaction);
  }

  /** The consumer's open interaction on the channel, else its newest one. */
  interactionFor(channelId: string, consumerId: string): InteractionView | undefined {
    const interaction = this.store.openInteraction(channelId, consumerId) ?? this.store.latest(channelId, consumerId);
    return interaction && this.store.view(interaction);
  }

  interactions(): InteractionView[] {
    return this.store.all().map((i) => this.store.view(i));
  }

  apiCalls(): McxApiCalls {
    return { countsByPath: this.traffic.countsByPath(), calls: this.traffic.callLog() };
  }

  /** Contract problems seen in the connector's requests and webhook answers. */
  violations(): string[] {
    return [...this.violationLog];
  }

  webhooksIdle(): Promise<void> {
    return this.dispatcher.idle();
  }

  onChange(listener: (change: McxChange) => void): () => void {
    return this.store.onChange(listener);
  }

  // ---- acting as the agent ------------------------------------------------------------------------------------------

  /** An agent accepts the routed interaction (Agent Workspace); Nexus tells the third party nothing. */
  accept(interactionId: string, options: { agentName?: string } = {}): InteractionView {
    const interaction = this.requireOpen(interactionId);
    if (interaction.state === 'active') throw new ControlError(409, 'An agent already handles this interaction; use transfer');
    this.store.accept(interaction, options.agentName || DEFAULT_AGENT_NAME);
    return this.store.view(interaction);
  }

  /** The agent writes: one signed webhook to the channel's URL, answered `{ messageId }`. */
  write(interactionId: string, input: AgentWriteInput): LogEntry {
    const interaction = this.requireOpen(interactionId);
    if (interaction.state !== 'active') throw new ControlError(409, 'No agent handles this interaction; accept first');
    const type = input?.type ?? 'Text';
    if (typeof type !== 'string' || !type) throw new ControlError(400, 'type must be a string');
    if (type === 'Text' && (typeof input.text !== 'string' || !input.text)) throw new ControlError(400, 'text is required');
    const channel = this.requireChannel(interaction.channelId);
    const messageId = this.store.nextMessageId();
    const payload: Record<string, unknown> = {
      channel: {
        id: channel.channelId,
        type: channel.type,
        from: { id: channel.channelId },
        to: { id: interaction.consumerId },
        messageId,
      },
      type,
      ...(input.text !== undefined ? { text: input.text } : {}),
    };
    const delivery: DeliveryRecord = { messageId, state: 'pending', attempts: [] };
    const entry = this.store.append(interaction, { direction: 'Outbound', type, id: messageId, payload, delivery });
    this.dispatcher.enqueue(interaction.id, this.target(channel.webhookUrl, channel), payload, delivery, {
      faults: this.takeWebhookFault('messages'),
      checkAnswer: (_status, body) => this.violation(echoProblem(body, messageId)),
    });
    return structuredClone(entry);
  }

  /** Changes the handling agent; Nexus emits nothing the third party sees. */
  transfer(interactionId: string, options: { agentName: string }): InteractionView {
    if (!options?.agentName) throw new ControlError(400, 'agentName is required');
    const interaction = this.requireOpen(interactionId);
    if (interaction.state !== 'active') throw new ControlError(409, 'No agent handles this interaction; accept first');
    this.store.transfer(interaction, options.agentName);
    return this.store.view(interaction);
  }

  /** The agent marks the interaction Done: FINISHED; the consumer's next message opens a new interaction. */
  done(interactionId: string): InteractionView {
    return this.finish(interactionId, 'agent');
  }

  /** A workflow stops the interaction (e.g. before any agent accepted it): FINISHED as well. */
  stopByWorkflow(interactionId: string): InteractionView {
    return this.finish(interactionId, 'workflow');
  }

  /**
   * Forgets interactions, deliveries (pending ones are cancelled), call counts, faults (hung requests are cut) and
   * violations. Channels stay.
   */
  reset(): void {
    this.dispatcher.cancelAll();
    this.traffic.reset();
    this.webhookFaults = [];
    this.violationLog.length = 0;
    this.store.reset();
  }

  // ---- internals ----------------------------------------------------------------------------------------------------

  private buildApp(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    // No CORS: the demo page reaches the control API through the playground server, tests call it directly.
    app.use('/emulator/v1', json(), mcxControlRoutes(this), controlErrors);
    app.use('/nexus/v3', this.traffic.middleware);
    app.use(
      '/nexus/v3',
      nexusRoutes({
        channel: (id) => this.store.channels.get(id),
        message: (channel, message) => this.inbound(channel, message),
        violation: (problem) => this.violation(problem),
      }),
    );
    app.use('/nexus/v3', (_req, res) => sendNexusError(res, 404, 'Not found'));
    app.use(nexusErrors);
    app.get('/', (_req, res) => {
      res.json({
        name: 'Genesys Multicloud CX emulator',
        apiBaseUrl: this.apiBaseUrl,
        state: '/emulator/v1/state',
        live: '/emulator/v1/live',
      });
    });
    return app;
  }

  /** A consumer message continues the consumer's open interaction, or opens one (routed, then STARTED). */
  private inbound(channel: Channel, message: InboundMessage): string | undefined {
    if (message.type === 'Receipt') {
      const found = this.store.findAgentMessage(channel.channelId, message.consumerId, message.messageId);
      if (!found && this.options.unknownReceipts === 'ignore') return undefined;
      if (!found) throw new NexusError(400, `No agent message ${message.messageId} for this consumer`);
      this.store.append(found.interaction, {
        direction: 'Inbound',
        type: 'Receipt',
        id: message.messageId,
        payload: { status: message.status, reasons: message.reasons },
      });
      return undefined;
    }
    let interaction = this.store.openInteraction(channel.channelId, message.consumerId);
    const opened = !interaction;
    interaction ??= this.store.createInteraction(channel.channelId, message.consumerId);
    const id = this.store.nextMessageId();
    this.store.append(interaction, { direction: 'Inbound', type: 'Text', id, payload: message.raw });
    if (opened) void this.route(channel, interaction).then(() => this.lifecycle(channel, interaction, 'STARTED'));
    return id;
  }

  /** The Designer application's HTTP REST block: asks for the routing data, keeps the answer as user data. */
  private async route(channel: Channel, interaction: Interaction): Promise<void> {
    if (!channel.routingUrl) return;
    const abort = new AbortController();
    this.routingCalls.add(abort);
    const timer = setTimeout(() => abort.abort(), ROUTING_TIMEOUT_MS);
    const at = new Date().toISOString();
    try {
      const res = await fetch(channel.routingUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(channel.routingToken ? { authorization: `Bearer ${channel.routingToken}` } : {}),
        },
        body: JSON.stringify({ channelId: channel.channelId, consumerId: interaction.consumerId, interactionId: interaction.id }),
        signal: abort.signal,
      });
      const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
      this.store.routingCalled(interaction, { at, status: res.status, ...(res.ok && body ? { userData: body } : {}) });
    } catch (err) {
      this.store.routingCalled(interaction, { at, error: (err as Error).message });
    } finally {
      clearTimeout(timer);
      this.routingCalls.delete(abort);
    }
  }

  private finish(interactionId: string, by: 'agent' | 'workflow'): InteractionView {
    const interaction = this.requireOpen(interactionId);
    this.store.finish(interaction, by);
    this.lifecycle(this.requireChannel(interaction.channelId), interaction, 'FINISHED');
    return this.store.view(interaction);
  }

  /** STARTED / FINISHED on the Interactions webhook, when the channel has one; answered `200` (anything else is redelivered). */
  private lifecycle(channel: Channel, interaction: Interaction, event: 'STARTED' | 'FINISHED'): void {
    if (!channel.interactionsWebhookUrl) return;
    const payload = {
      operationId: randomUUID(),
      data: {
        entities: [
          {
            event,
            entity: {
              id: interaction.id,
              mediaType: 'chat',
              interactionSubtype: 'InboundNew',
              selfUri: `${this.apiBaseUrl}/chat/sessions/${channel.channelId}/${interaction.id}`,
            },
          },
        ],
      },
    };
    const delivery: DeliveryRecord = { messageId: payload.operationId, state: 'pending', attempts: [] };
    interaction.lifecycle.push({ event, delivery });
    this.store.emit({ type: 'lifecycle', conversationId: interaction.id, event, delivery: structuredClone(delivery) });
    this.dispatcher.enqueue(interaction.id, this.target(channel.interactionsWebhookUrl, channel), payload, delivery, {
      faults: this.takeWebhookFault('interactions'),
      checkAnswer: (status) => this.violation(status === 200 ? undefined : `Interactions webhook answered ${status}, not 200`),
    });
  }

  private target(url: string, channel: Channel): WebhookTarget {
    return { url, secret: channel.webhookSecret, headers: {} };
  }

  private takeWebhookFault(webhook: 'messages' | 'interactions'): DeliveryFaults | undefined {
    const fault = this.webhookFaults.find((f) => f.remaining > 0 && f.webhook === webhook);
    if (!fault) return undefined;
    fault.remaining -= 1;
    this.webhookFaults = this.webhookFaults.filter((f) => f.remaining > 0);
    if (fault.mode === 'wrong-signature') return { wrongSignature: true };
    if (fault.mode === 'duplicate') return { duplicate: true };
    return { delayMs: fault.delayMs ?? 0 };
  }

  /** Records a contract problem (if any) and hands it back. */
  private violation(problem: string | undefined): string | undefined {
    if (problem === undefined) return undefined;
    this.violationLog.push(problem);
    if (this.violationLog.length > 1000) this.violationLog.shift();
    return problem;
  }

  private requireChannel(channelId: string): Channel {
    const channel = this.store.channels.get(channelId);
    if (!channel) throw new ControlError(404, `Channel ${channelId} not found`);
    return channel;
  }

  private requireOpen(interactionId: string): Interaction {
    const interaction = this.store.get(interactionId);
    if (!interaction) throw new ControlError(404, `Interaction ${interactionId} not found`);
    if (interaction.state === 'done') throw new ControlError(409, `Interaction ${interactionId} is Done`);
    return interaction;
  }
}

/** The contract of the webhook answer: JSON with the `messageId` Nexus sent (it matches later receipts by it). */
function echoProblem(body: string, messageId: string): string | undefined {
  let answer: unknown;
  try {
    answer = JSON.parse(body);
  } catch {
    return `webhook answer for ${messageId} is not JSON`;
  }
  const echoed = (answer as { messageId?: unknown } | null)?.messageId;
  return echoed === messageId ? undefined : `webhook answer for ${messageId} echoed messageId ${JSON.stringify(echoed)}`;
}

function publicChannel(channel: Channel): Omit<Channel, 'requestSecret' | 'webhookSecret' | 'apiKey' | 'routingToken'> {
  const { requestSecret: _r, webhookSecret: _w, apiKey: _a, routingToken: _t, ...rest } = channel;
  return rest;
}
