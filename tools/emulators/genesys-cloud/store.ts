import { randomBytes, randomUUID } from 'node:crypto';
import { IntegrationRegistry } from './integrations';
import type {
  ConversationView,
  CustomerAddress,
  DeliveryRecord,
  DisconnectType,
  EmulatedUser,
  EmulatorChange,
  LifecycleTopic,
  LogEntry,
  NotificationRecord,
  Participant,
  RoutingSettings,
} from './types';

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
  /** Inbound entries by the sender's `channel.messageId`, so a resend is answered but not stored twice. */
  inboundByMessageId: Map<string, LogEntry>;
}

export interface LifecycleEvent {
  topic: LifecycleTopic;
  conversation: Conversation;
  participant: Participant;
  disconnectType?: DisconnectType;
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
      existing.state = 'connected';
      existing.endedAt = undefined;
      existing.participants.push(this.customerParticipant(existing), this.acdParticipant());
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
    };
    conversation.participants.push(this.customerParticipant(conversation), this.acdParticipant());
    this.conversations.set(conversation.id, conversation);
    this.latestByThread.set(threadKey(integrationId, customer.id), conversation.id);
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

  /** An agent answers the conversation: the queue leg ends, the agent's starts (`user.start`). */
  connectAgent(conversation: Conversation, user: EmulatedUser): Participant {
    this.endQueueLegs(conversation, 'transfer');
    const agent = this.agentParticipant(user);
    conversation.participants.push(agent);
    this.emitLifecycle({ topic: 'user.start', conversation, participant: agent });
    this.emitConversation(conversation);
    return agent;
  }

  /** A blind transfer to another agent: `user.end` (transfer) for the first, `user.start` for the second. */
  transferAgent(conversation: Conversation, from: Participant, to: EmulatedUser): Participant {
    this.markDisconnected(from, 'transfer');
    this.emitLifecycle({ topic: 'user.end', conversation, participant: from, disconnectType: 'transfer' });
    const agent = this.agentParticipant(to);
    conversation.participants.push(agent);
    this.emitLifecycle({ topic: 'user.start', conversation, participant: agent });
    this.emitConversation(conversation);
    return agent;
  }

  /** Disconnects everyone; the initiator's side ends with `client`, the other with `peer` (`system` for both otherwise). */
  endConversation(conversation: Conversation, initiator: EndInitiator): void {
    if (conversation.state === 'disconnected') return;
    const agent = this.connectedAgent(conversation);
    const customer = conversation.participants.find((p) => p.purpose === 'customer' && p.state !== 'disconnected');
    const typeFor = (side: EndInitiator): DisconnectType => (initiator === 'system' ? 'system' : initiator === side ? 'client' : 'peer');

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
    this.endQueueLegs(conversation, 'system');
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
    this.conversations = new Map();
    this.latestByThread = new Map();
    this.conversationByOutboundId = new Map();
    this.users = new Map();
    this.notifications = [];
    this.seq = 0;
    this.routing = { ...this.defaultRouting };
    this.emitChange({ type: 'reset' });
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  private emitConversation(conversation: Conversation): void {
    this.emitChange({ type: 'conversation', conversation: this.view(conversation) });
  }

  private emitLifecycle(event: LifecycleEvent): void {
    for (const listener of this.lifecycleListeners) listener(event);
  }

  private endQueueLegs(conversation: Conversation, disconnectType: DisconnectType): void {
    for (const acd of conversation.participants.filter((p) => p.purpose === 'acd' && p.state !== 'disconnected')) {
      this.markDisconnected(acd, disconnectType);
    }
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
