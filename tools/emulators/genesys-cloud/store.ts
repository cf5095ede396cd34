import { randomBytes, randomUUID } from 'node:crypto';
import { IntegrationRegistry } from './integrations';
import type {
  AcdOutcome,
  ConversationView,
  CustomerAddress,
  DisconnectType,
  EmulatedUser,
  EmulatorChange,
  LifecycleTopic,
  LogEntry,
  NoAnswerType,
  NotificationRecord,
  Participant,
  RoutingSettings,
  TransferType,
} from './types';
import type { DeliveryRecord } from '../shared/signed-webhooks';

/** Genesys message ids are 32 hex characters; conversation, participant and user ids are UUIDs. */
export function newMessageId(): string {
  return randomBytes(16).toString('hex');
}

export interface Conversation {
  id: string;
  integrationId: string;
  customer: CustomerAddress;
  customAttributes: Record<string, string>;
  participants: Participant[];
  state: 'connected' | 'disconnected';
  createdAt: string;
  endedAt?: string;
  log: LogEntry[];
  /** Inbound entries by the sender's `channel.messageId` and `channel.time`, so a resend is answered but not stored twice. */
  inboundByMessageId: Map<string, LogEntry>;
  /** Times the conversation was reopened inside the threading timeline. */
  reopened: number;
}

export interface LifecycleEvent {
  topic: LifecycleTopic;
  conversation: Conversation;
  participant: Participant;
  disconnectType?: DisconnectType;
  /** acd.end: how the queue leg ended, and who answered. */
  acdOutcome?: AcdOutcome;
  answeredUserId?: string;
}

export interface TransferOptions {
  /** The value the first agent's leg ends with (default TRANSFER). */
  type?: TransferType;
  /** Transfer to the queue: a new queue leg waits for an agent (offer/join next) instead of a named user. */
  toQueue?: boolean;
  /** A user transfer: whether the next agent answers at once (default true) or stays alerting. */
  answer?: boolean;
}

/** Who ended the conversation decides each side's disconnect type. */
export type EndInitiator = 'customer' | 'agent' | 'system';

function now(): string {
  return new Date().toISOString();
}

/** All in-memory Genesys state, and the conversation lifecycle rules (threading, join, transfer, end). */
export class EmulatorStore {
  readonly integrations: IntegrationRegistry;
  routing: RoutingSettings;
  private conversations = new Map<string, Conversation>();
  private latestByThread = new Map<string, string>();
  private conversationByOutboundId = new Map<string, string>();
  private users = new Map<string, EmulatedUser>();
  private notifications: NotificationRecord[] = [];
  private seq = 0;
  private readonly changeListeners = new Set<(change: EmulatorChange) => void>();
  private readonly lifecycleListeners = new Set<(event: LifecycleEvent) => void>();
  private readonly alertingTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly threadingTimelineSeconds: number,
    private readonly defaultRouting: RoutingSettings,
  ) {
    this.routing = { ...defaultRouting };
    this.integrations = new IntegrationRegistry((change) => this.emitChange(change));
  }

  onChange(listener: (change: EmulatorChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onLifecycle(listener: (event: LifecycleEvent) => void): () => void {
    this.lifecycleListeners.add(listener);
    return () => this.lifecycleListeners.delete(listener);
  }

  emitChange(change: EmulatorChange): void {
    for (const listener of this.changeListeners) listener(change);
  }

  // ---- conversations ------------------------------------------------------------------------------------------

  getConversation(id: string): Conversation | undefined {
    return this.conversations.get(id);
  }

  allConversations(): Conversation[] {
    return [...this.conversations.values()];
  }

  /** The newest conversation of this sender on this integration, open or not. */
  latestConversation(integrationId: string, customerId: string): Conversation | undefined {
    return this.conversations.get(this.latestByThread.get(threadKey(integrationId, customerId)) ?? '');
  }

  /** The conversation an inbound message from this sender belongs to, if one is open or still inside the timeline. */
  threadFor(integrationId: string, customerId: string): Conversation | undefined {
    const latest = this.latestConversation(integrationId, customerId);
    if (!latest) return undefined;
    if (latest.state === 'connected') return latest;
    const endedMs = Date.parse(latest.endedAt ?? '');
    return Date.now() - endedMs < this.threadingTimelineSeconds * 1000 ? latest : undefined;
  }

  /**
   * Threads an inbound message: joins the open conversation, reopens one still inside the threading timeline,
   * or starts a new one whose participant data are the first message's customAttributes.
   */
  threadInbound(integrationId: string, customer: CustomerAddress, customAttributes: Record<string, string>): Conversation {
    const existing = this.threadFor(integrationId, customer.id);
    if (existing?.state === 'connected') return existing;
    if (existing) {
      // Reopened inside the threading timeline: same id and history, new customer and queue legs.
      existing.state = 'connected';
      existing.endedAt = undefined;
      existing.reopened += 1;
      const customerLeg = this.customerParticipant(existing);
      existing.participants.push(customerLeg);
      this.emitLifecycle({ topic: 'customer.start', conversation: existing, participant: customerLeg });
      this.addQueueLeg(existing);
      this.emitConversation(existing);
      return existing;
    }
    const conversation: Conversation = {
      id: randomUUID(),
      integrationId,
      customer,
      customAttributes,
      participants: [],
      state: 'connected',
      createdAt: now(),
      log: [],
      inboundByMessageId: new Map(),
      reopened: 0,
    };
    this.conversations.set(conversation.id, conversation);
    this.latestByThread.set(threadKey(integrationId, customer.id), conversation.id);
    const customerLeg = this.customerParticipant(conversation);
    conversation.participants.push(customerLeg);
    this.emitLifecycle({ topic: 'customer.start', conversation, participant: customerLeg });
    this.addQueueLeg(conversation);
    this.emitConversation(conversation);
    return conversation;
  }

  appendLog(conversation: Conversation, entry: Omit<LogEntry, 'seq' | 'at'>): LogEntry {
    const logged: LogEntry = { seq: ++this.seq, at: now(), ...entry };
    conversation.log.push(logged);
    if (entry.direction === 'Outbound') this.conversationByOutboundId.set(entry.id, conversation.id);
    this.emitChange({ type: 'message', conversationId: conversation.id, entry: structuredClone(logged) });
    return logged;
  }

  conversationOfOutboundMessage(messageId: string): Conversation | undefined {
    return this.conversations.get(this.conversationByOutboundId.get(messageId) ?? '');
  }

  deliveryUpdated(conversationId: string, delivery: DeliveryRecord): void {
    this.emitChange({ type: 'delivery', conversationId, messageId: delivery.messageId, delivery: structuredClone(delivery) });
  }

  connectedAgent(conversation: Conversation): Participant | undefined {
    return conversation.participants.find((p) => p.purpose === 'agent' && p.state === 'connected');
  }

  /** 1-based place of a conversation among those waiting in a queue (a queue leg, no agent connected), by arrival. */
  queuePosition(conversationId: string): number | undefined {
    const waitingSince = (c: Conversation) =>
      c.state === 'connected' && !this.connectedAgent(c) ? this.queueLegs(c).map((p) => p.startTime)[0] : undefined;
    const mine = this.conversations.get(conversationId);
    const since = mine && waitingSince(mine);
    if (!since) return undefined;
    return [...this.conversations.values()].filter((c) => {
      const other = waitingSince(c);
      return other !== undefined && (other < since || (other === since && c.id <= conversationId));
    }).length;
  }

  alertingAgent(conversation: Conversation): Participant | undefined {
    return conversation.participants.find((p) => p.purpose === 'agent' && p.state === 'alerting');
  }

  /**
   * Routing offers the conversation to an agent: the agent's leg starts alerting (`user.start`: a user segment starts
   * at alerting, not at the answer). After `alertingTimeoutMs` without an answer it ends with NO_ANSWER_TRANSFER.
   */
  offerAgent(conversation: Conversation, user: EmulatedUser, options: { alertingTimeoutMs?: number } = {}): Participant {
    const agent = this.agentParticipant(user);
    agent.state = 'alerting';
    agent.connectedTime = undefined;
    if (options.alertingTimeoutMs !== undefined) agent.alertingTimeoutMs = options.alertingTimeoutMs;
    conversation.participants.push(agent);
    this.emitLifecycle({ topic: 'user.start', conversation, participant: agent });
    this.emitConversation(conversation);
    if (options.alertingTimeoutMs !== undefined) {
      const timer = setTimeout(() => {
        this.alertingTimers.delete(timer);
        if (agent.state === 'alerting') this.missAgent(conversation, agent, 'NO_ANSWER_TRANSFER');
      }, options.alertingTimeoutMs);
      timer.unref();
      this.alertingTimers.add(timer);
    }
    return agent;
  }

  /** The alerted agent answers: connected; when the conversation waited in a queue, that leg ends (`acd.end` ANSWERED). */
  answerAgent(conversation: Conversation, agent: Participant): Participant {
    agent.state = 'connected';
    agent.connectedTime = now();
    for (const acd of this.queueLegs(conversation)) {
      this.markDisconnected(acd, 'TRANSFER');
      this.emitLifecycle({
        topic: 'acd.end',
        conversation,
        participant: acd,
        disconnectType: 'TRANSFER',
        acdOutcome: 'ANSWERED',
        answeredUserId: agent.userId,
      });
    }
    this.emitConversation(conversation);
    return agent;
  }

  /**
   * The alerted agent does not answer (alerting timeout, not available, do not disturb): the leg ends with that
   * value and the conversation waits in the queue again (a new queue leg when it came by a transfer to the user).
   */
  missAgent(conversation: Conversation, agent: Participant, type: NoAnswerType): void {
    this.markDisconnected(agent, type);
    this.emitLifecycle({ topic: 'user.end', conversation, participant: agent, disconnectType: type });
    if (this.queueLegs(conversation).length === 0) this.addQueueLeg(conversation);
    this.emitConversation(conversation);
  }

  /** Offer and answer at once (an agent who accepts as soon as the conversation is offered). */
  connectAgent(conversation: Conversation, user: EmulatedUser): Participant {
    return this.answerAgent(conversation, this.offerAgent(conversation, user));
  }

  /**
   * Another agent takes over. A blind or forward transfer ends the first leg, then alerts the next agent; a consult
   * or conference transfer connects the next agent before the first one drops. To a queue: a new queue leg waits.
   */
  transferAgent(
    conversation: Conversation,
    from: Participant,
    to: EmulatedUser | undefined,
    options: TransferOptions = {},
  ): Participant | undefined {
    const type = options.type ?? 'TRANSFER';
    const endFirst = () => {
      this.markDisconnected(from, type);
      this.emitLifecycle({ topic: 'user.end', conversation, participant: from, disconnectType: type });
      this.emitLifecycle({ topic: 'acw', conversation, participant: from });
    };
    if (options.toQueue || !to) {
      endFirst();
      this.addQueueLeg(conversation);
      this.emitConversation(conversation);
      return undefined;
    }
    if (type === 'CONSULT_TRANSFER' || type === 'CONFERENCE_TRANSFER') {
      const next = this.offerAgent(conversation, to);
      this.answerAgent(conversation, next);
      endFirst();
      this.emitConversation(conversation);
      return next;
    }
    endFirst();
    const next = this.offerAgent(conversation, to);
    if (options.answer !== false) this.answerAgent(conversation, next);
    return next;
  }

  /**
   * Disconnects everyone; the initiator's side ends with CLIENT, the other with PEER (SYSTEM for both otherwise). A
   * queue leg still waiting ends too (`acd.end` ABANDON when the customer left), and so does an agent being alerted.
   */
  endConversation(conversation: Conversation, initiator: EndInitiator): void {
    if (conversation.state === 'disconnected') return;
    const agent = this.connectedAgent(conversation);
    const alerting = this.alertingAgent(conversation);
    const customer = conversation.participants.find((p) => p.purpose === 'customer' && p.state !== 'disconnected');
    const typeFor = (side: EndInitiator): DisconnectType => (initiator === 'system' ? 'SYSTEM' : initiator === side ? 'CLIENT' : 'PEER');

    const endCustomer = () => {
      if (!customer) return;
      this.markDisconnected(customer, typeFor('customer'));
      this.emitLifecycle({ topic: 'customer.end', conversation, participant: customer, disconnectType: customer.disconnectType });
    };
    const endAgent = () => {
      if (!agent) return;
      this.markDisconnected(agent, typeFor('agent'));
      this.emitLifecycle({ topic: 'user.end', conversation, participant: agent, disconnectType: agent.disconnectType });
    };
    if (alerting) {
      this.markDisconnected(alerting, 'PEER');
      this.emitLifecycle({ topic: 'user.end', conversation, participant: alerting, disconnectType: 'PEER' });
    }
    for (const acd of this.queueLegs(conversation)) {
      this.markDisconnected(acd, typeFor('system'));
      this.emitLifecycle({
        topic: 'acd.end',
        conversation,
        participant: acd,
        disconnectType: acd.disconnectType,
        acdOutcome: initiator === 'customer' ? 'ABANDON' : 'UNKNOWN',
      });
    }
    if (initiator === 'customer') {
      endCustomer();
      endAgent();
    } else {
      endAgent();
      endCustomer();
    }
    if (agent) this.emitLifecycle({ topic: 'acw', conversation, participant: agent });
    conversation.state = 'disconnected';
    conversation.endedAt = now();
    this.emitConversation(conversation);
  }

  view(conversation: Conversation): ConversationView {
    const agent = this.connectedAgent(conversation);
    return structuredClone({
      id: conversation.id,
      integrationId: conversation.integrationId,
      customer: conversation.customer,
      state: conversation.state,
      customAttributes: conversation.customAttributes,
      participants: conversation.participants,
      agent: agent ? { participantId: agent.id, userId: agent.userId ?? '', name: agent.name ?? '' } : null,
      createdAt: conversation.createdAt,
      endedAt: conversation.endedAt,
      reopened: conversation.reopened,
      messages: conversation.log,
    });
  }

  // ---- users, routing, notifications --------------------------------------------------------------------------

  userByName(name: string): EmulatedUser {
    const found = [...this.users.values()].find((u) => u.name === name);
    if (found) return found;
    const created = { id: randomUUID(), name };
    this.users.set(created.id, created);
    return created;
  }

  getUser(id: string): EmulatedUser | undefined {
    return this.users.get(id);
  }

  allUsers(): EmulatedUser[] {
    return [...this.users.values()].map((u) => ({ ...u }));
  }

  setRouting(settings: Partial<RoutingSettings>): RoutingSettings {
    this.routing = { ...this.routing, ...settings };
    this.emitChange({ type: 'routing', routing: { ...this.routing } });
    return { ...this.routing };
  }

  recordNotification(record: NotificationRecord): void {
    this.notifications.push(record);
    this.emitChange({ type: 'notification', notification: record });
  }

  notificationLog(): NotificationRecord[] {
    return structuredClone(this.notifications);
  }

  /** Forgets conversations, agents, notifications and routing changes; integrations stay. */
  reset(): void {
    this.close();
    this.conversations = new Map();
    this.latestByThread = new Map();
    this.conversationByOutboundId = new Map();
    this.users = new Map();
    this.notifications = [];
    this.seq = 0;
    this.routing = { ...this.defaultRouting };
    this.emitChange({ type: 'reset' });
  }

  /** Stops the alerting timeouts. */
  close(): void {
    for (const timer of this.alertingTimers) clearTimeout(timer);
    this.alertingTimers.clear();
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  private emitConversation(conversation: Conversation): void {
    this.emitChange({ type: 'conversation', conversation: this.view(conversation) });
  }

  private emitLifecycle(event: LifecycleEvent): void {
    for (const listener of this.lifecycleListeners) listener(event);
  }

  private queueLegs(conversation: Conversation): Participant[] {
    return conversation.participants.filter((p) => p.purpose === 'acd' && p.state !== 'disconnected');
  }

  /** The conversation (re)enters the queue: a queue leg (`acd.start`). */
  private addQueueLeg(conversation: Conversation): Participant {
    const acd = this.acdParticipant();
    conversation.participants.push(acd);
    this.emitLifecycle({ topic: 'acd.start', conversation, participant: acd });
    return acd;
  }

  private markDisconnected(participant: Participant, disconnectType: DisconnectType): void {
    participant.state = 'disconnected';
    participant.disconnectType = disconnectType;
    participant.endTime = now();
  }

  private customerParticipant(conversation: Conversation): Participant {
    const { customer } = conversation;
    const fullName = [customer.firstName, customer.lastName].filter(Boolean).join(' ');
    return this.participant('customer', {
      name: customer.nickname ?? (fullName || customer.id),
      attributes: { ...conversation.customAttributes },
    });
  }

  private acdParticipant(): Participant {
    return this.participant('acd', { name: this.routing.queueName, queueId: this.routing.queueId });
  }

  private agentParticipant(agent: EmulatedUser): Participant {
    return this.participant('agent', { name: agent.name, userId: agent.id, queueId: this.routing.queueId });
  }

  private participant(purpose: Participant['purpose'], fields: Partial<Participant>): Participant {
    const time = now();
    return {
      id: randomUUID(),
      purpose,
      state: 'connected',
      sessionId: randomUUID(),
      attributes: {},
      startTime: time,
      connectedTime: time,
      ...fields,
    };
  }
}

function threadKey(integrationId: string, customerId: string): string {
  return `${integrationId}\u0000${customerId}`;
}
