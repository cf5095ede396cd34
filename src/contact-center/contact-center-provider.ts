import type { Endpoint } from '../endpoints/endpoint.model';

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
  agentsAvailable?: number;
  estimatedWaitMs?: number;
}

/**
 * Thrown by providers for every failed call. `retryable` failures (429, 5xx, timeouts, network) are retried by
 * the caller after `retryAfterMs` when given; the others (400, 401 after a token refresh, 403, 404) are permanent.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export interface ContactCenterProvider {
  readonly type: Endpoint['provider']['type'];
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
  /** Starts/stops watching a conversation's lifecycle (agent joined/left, customer left). */
  watchConversation(endpoint: Endpoint, conversationId: string): Promise<void>;
  unwatchConversation(endpoint: Endpoint, conversationId: string): Promise<void>;
}

/** Our own per-endpoint rate limit is spent for now: not a failure, so the caller waits without using an attempt. */
export class ProviderThrottledError extends ProviderError {
  constructor(message: string, retryAfterMs: number) {
    super(message, true, 429, retryAfterMs);
    this.name = 'ProviderThrottledError';
  }
}
