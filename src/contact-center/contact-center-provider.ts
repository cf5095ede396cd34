import type { Type } from '@nestjs/common';
import type { Endpoint } from '../endpoints/endpoint.model';
import type { ProviderDefinition } from '../endpoints/provider-definition';
import type { ProviderSettings } from './provider-settings';

/**
 * The boundary between the handover logic and a contact-center product (Genesys Cloud Open Messaging now,
 * Genesys Multicloud CX Third-Party Messaging later). Implementations are stateless apart from caches
 * (tokens, rate-limit buckets in Redis); the handover module owns all session state.
 */
export interface CustomerProfile {
  /** Stable id of the end user at the provider (Genesys `channel.from.id`, idType Opaque): the bot's userId. */
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

/** Something a provider reported for an endpoint that an operator should see (kept for a day after it was last seen). */
export interface ProviderProblem {
  /** e.g. `subscription_rejected`, `channel_limit`. */
  code: string;
  message: string;
  since: string;
  lastSeen: string;
  details?: Record<string, unknown>;
}

/** The provider's side of an endpoint, as an operator sees it (`GET /admin/v1/endpoints/:id/status`). */
export interface ProviderStatus {
  /** `degraded` while a problem is open. */
  state: 'ok' | 'degraded';
  problems: ProviderProblem[];
  /** Provider-specific live details of the answering process (Genesys: its notification channels). */
  details?: Record<string, unknown>;
}

export interface ContactCenterProvider {
  readonly type: ProviderSettings['type'];
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
  /** What the provider knows is wrong (or fine) with this endpoint. */
  status?(endpoint: Endpoint): Promise<ProviderStatus>;
  /** Starts/stops watching a conversation's lifecycle (agent joined/left, customer left). */
  watchConversation(endpoint: Endpoint, conversationId: string): Promise<void>;
  unwatchConversation(endpoint: Endpoint, conversationId: string): Promise<void>;
}

/** What a provider folder exports (its index.ts) for ContactCenterModule's one registration line. */
export interface ContactCenterPlugin {
  /** The provider's Nest module: it must export `provider`. */
  module: Type<unknown>;
  provider: Type<ContactCenterProvider>;
  definition: ProviderDefinition;
}
