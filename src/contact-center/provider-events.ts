/**
 * The internal event model every contact-center provider normalises its inbound traffic into
 * (webhooks, notification topics). The handover module consumes only these.
 */
export interface EventAttachment {
  url: string;
  mime?: string;
  filename?: string;
  mediaType?: string;
  sizeBytes?: number;
}

export interface QuickReply {
  text: string;
  payload: string;
}

export interface CardAction {
  type: 'postback' | 'link';
  text: string;
  payload?: string;
  url?: string;
}

export interface Card {
  title: string;
  description?: string;
  imageUrl?: string;
  actions: CardAction[];
}

export interface DatePicker {
  title?: string;
  subtitle?: string;
  availableTimes: { dateTime: string; durationSeconds?: number }[];
}

interface ProviderEventBase {
  /** The provider's id for this message or event; the de-duplication key together with `kind`. */
  providerEventId: string;
  /** The customer id we sent as the sender (Genesys `channel.to.id`), when the provider gives it. */
  customerId?: string;
  /**
   * The connector's own handover id, when the provider's address of the customer carries it (a Multicloud CX
   * consumer id `hc-<handoverId>`); found before `customerId`.
   */
  handoverId?: string;
  conversationId?: string;
  /** ISO time the provider stamped on the event. */
  time: string;
}

/** An agent (or a provider-side bot flow) wrote to the customer: text, attachments and/or structured content. */
export interface AgentMessageEvent extends ProviderEventBase {
  kind: 'agent.message';
  text?: string;
  attachments: EventAttachment[];
  quickReplies: QuickReply[];
  cards: Card[];
  datePicker?: DatePicker;
  /** 'Human' for an agent, 'Bot' for a provider-side bot flow. */
  originatingEntity?: 'Human' | 'Bot';
  agentName?: string;
}

export interface AgentTypingEvent extends ProviderEventBase {
  kind: 'agent.typing';
  durationMs?: number;
}

/** The provider's delivery status for a message we sent on the customer's behalf. */
export interface ReceiptEvent extends ProviderEventBase {
  kind: 'receipt';
  status: string;
  reasons: { code: string; message?: string }[];
}

/**
 * A conversation lifecycle signal (Genesys Cloud notification topics; Multicloud CX Interactions webhook).
 * `conversation.ended`: the provider closed the conversation for good (Multicloud CX `FINISHED`: the agent marked
 * it Done, or a workflow stopped it); the handover ends with `agent_ended`.
 */
export interface ConversationSignalEvent extends ProviderEventBase {
  kind: 'conversation.signal';
  conversationId: string;
  signal: 'agent.joined' | 'agent.left' | 'customer.left' | 'agent.wrapup' | 'conversation.ended';
  /** Provider's reason for a disconnect (Genesys disconnectType: client, transfer, peer, system…). */
  disconnectType?: string;
  participantId?: string;
  agentUserId?: string;
  agentName?: string;
}

export type ProviderEvent = AgentMessageEvent | AgentTypingEvent | ReceiptEvent | ConversationSignalEvent;
