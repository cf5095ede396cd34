import type { Type } from '@nestjs/common';
import type { Endpoint } from '../endpoints/endpoint.model';
import type { ProviderDefinition } from '../endpoints/provider-definition';
import type { ProviderSettings } from './provider-settings';

/**
 * The boundary between the handover logic and a contact-center product (Genesys Cloud Open Messaging,
 * Genesys Multicloud CX Third-Party Messaging). Implementations are stateless apart from caches
 * (tokens, rate-limit buckets in Redis); the handover module owns all session state.
 */
export interface CustomerProfile {
  /**
   * Stable id of the end user at the provider (Genesys `channel.from.id`): the bot's userId, unless the provider's
   * customerIdFor chose another (Multicloud CX `per-handover`).
   */
  id: string;
  nickname?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
}

export interface RoutingData {
  language?: string;
  skills: string[];
  priority?: number;
  customAttributes: Record<string, string>;
}

export interface OutgoingAttachment {
  url: string;
  mime: string;
  filename?: string;
}

export interface CustomerMessage {
  customer: CustomerProfile;
  /** Our id for the message (stable across retries, so the provider can de-duplicate). */
  messageId: string;
  time: string;
  text?: string;
  attachments?: OutgoingAttachment[];
  /** Set on the message that opens the conversation: becomes the provider's routing data. */
  routing?: RoutingData;
  /**
   * The customer picked a quick reply, card button or date of an agent message: providers with structured
   * responses send it as one (Genesys: an inbound structured response); others send `reply.text` as text.
   */
  reply?: CustomerReply;
}

export interface CustomerReply {
  /** The provider's id of the agent message that offered the choice. */
  originatingMessageId: string;
  type: 'QuickReply' | 'Button' | 'DatePicker';
  /** The label the customer picked. */
  text: string;
  payload: string;
}

export interface SentMessage {
  /** The provider conversation the message landed in, when the provider tells. */
  conversationId?: string;
  providerMessageId?: string;
}

export interface QueueStatus {
  position?: number;
  estimatedWaitMs?: number;
}

export interface Availability {
  available: boolean;
  /** Agents free right now (Genesys: on queue, IDLE). */
  agentsAvailable?: number;
  /** Agents on queue handling conversations who may take another, capacity permitting (Genesys: INTERACTING). */
  agentsInteracting?: number;
  /** Conversations waiting in the queue for an agent. */
  conversationsWaiting?: number;
  estimatedWaitMs?: number;
}

/** Where an agent's leg of a conversation stands, as the provider reports it now. */
export interface AgentLegState {
  state: 'alerting' | 'connected' | 'ended';
  agentName?: string;
  agentUserId?: string;
}

/**
 * Why an agent message did not reach the customer, in Genesys Open Messaging's names (its `reasons[].code`); each
 * provider translates them into its own (Multicloud CX: numeric codes).
 */
export const RECEIPT_REASONS = [
  'MessageExpired',
  'RateLimited',
  'MessageNotAllowed',
  'UnsupportedMessage',
  'UnknownMessage',
  'InvalidMessageStructure',
  'InvalidDestination',
  'GeneralError',
] as const;
export type ReceiptReason = (typeof RECEIPT_REASONS)[number];

/** One check of an endpoint's connection to its provider, for operators (no secret in `detail`). */
export interface ProviderHealthCheck {
  /** e.g. `token`, `notifications`. */
  name: string;
  ok: boolean;
  detail: string;
  /** Structured facts behind `detail` (e.g. the missing permissions), when there are any. */
  data?: Record<string, unknown>;
}

export interface ContactCenterProvider {
  readonly type: ProviderSettings['type'];
  /**
   * The id the provider is to know the customer by in this handover (its `channel.from.id`). Without this method
   * it is the bot's userId.
   */
  customerIdFor?(endpoint: Endpoint, ids: { userId: string; handoverId: string }): string;
  sendCustomerMessage(endpoint: Endpoint, message: CustomerMessage): Promise<SentMessage>;
  sendCustomerTyping(endpoint: Endpoint, customer: CustomerProfile, time: string): Promise<void>;
  /** Tells the provider whether an agent message reached the customer. */
  sendReceipt(
    endpoint: Endpoint,
    receipt: {
      customer: CustomerProfile;
      providerMessageId: string;
      status: 'Delivered' | 'Failed';
      reason?: { code: string; message: string };
    },
  ): Promise<void>;
  /** Ends the conversation from the customer side so the agent is not left with an orphan chat. */
  disconnectCustomer(endpoint: Endpoint, conversationId: string): Promise<void>;
  /**
   * For providers that have no call to disconnect the customer: tells the agent the customer has gone (Multicloud
   * CX sends the endpoint's goodbye text). When present, it is called instead of disconnectCustomer each time the
   * connector ends a handover itself, whether or not a conversation id is known; `messageId` is stable across retries.
   */
  leaveConversation?(endpoint: Endpoint, leave: { customer: CustomerProfile; conversationId?: string; messageId: string }): Promise<void>;
  getQueueStatus(endpoint: Endpoint, conversationId: string): Promise<QueueStatus | null>;
  checkAvailability(endpoint: Endpoint, query: { skills: string[]; language?: string }): Promise<Availability>;
  /**
   * The state of one agent leg (participant) of a conversation, for providers whose signals do not always say when
   * an alerted agent answered (Genesys: a transfer that bypasses the queue). Undefined when the leg is unknown.
   */
  agentState?(endpoint: Endpoint, conversationId: string, participantId: string): Promise<AgentLegState | undefined>;
  /**
   * The participant legs of a conversation that are over (ids): asked when a provider reopened an earlier
   * handover's conversation for a new one, whose events then must not be confused with those legs' late events.
   */
  pastLegs?(endpoint: Endpoint, conversationId: string): Promise<string[]>;
  /** Starts/stops watching a conversation's lifecycle (agent joined/left, customer left). */
  watchConversation(endpoint: Endpoint, conversationId: string): Promise<void>;
  unwatchConversation(endpoint: Endpoint, conversationId: string): Promise<void>;
  /** What an operator should know about the endpoint's connection (credentials, event channels), as seen by this process. */
  health?(endpoint: Endpoint): Promise<ProviderHealthCheck[]>;
}

/** What a provider folder exports (its index.ts) for ContactCenterModule's one registration line. */
export interface ContactCenterPlugin {
  /** The provider's Nest module: it must export `provider`. */
  module: Type<unknown>;
  provider: Type<ContactCenterProvider>;
  definition: ProviderDefinition;
}
