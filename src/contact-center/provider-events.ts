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

/** A list to pick from (Genesys `ListPicker`): sections of items; the customer's choice goes back as text. */
export interface ListPicker {
  title?: string;
  subtitle?: string;
  sections: {
    title?: string;
    multipleSelection?: boolean;
    items: { id?: string; title?: string; subtitle?: string; imageUrl?: string }[];
  }[];
}

export interface SharedLocation {
  url?: string;
  address?: string;
  text?: string;
  latitude?: number;
  longitude?: number;
}

/** A content element the connector passes on as the provider sent it (`contentType` plus its own field). */
export interface OtherContent {
  contentType: string;
  [field: string]: unknown;
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
  listPicker?: ListPicker;
  location?: SharedLocation;
  /** Content elements without a normalised form (forms, payments, interactive applications, …), unchanged. */
  otherContent?: OtherContent[];
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
  /**
   * Outbound: about an agent message (our receipt echoed); Inbound: about a message we sent for the customer
   * (Published, or Failed when the provider refused it). Absent when the provider does not say.
   */
  direction?: 'Inbound' | 'Outbound';
  status: string;
  reasons: { code: string; message?: string }[];
}

/** How the provider classifies the end of one leg: the conversation goes on (transfer, requeue), ends, or it does not say. */
export type DisconnectClass = 'transfer' | 'end' | 'unknown';

/**
 * A conversation lifecycle signal (Genesys Cloud notification topics; Multicloud CX Interactions webhook):
 * - `agent.alerting`: an agent is offered the conversation; nobody answered yet, so it is no join;
 * - `agent.joined`: an agent actually answered (connected);
 * - `agent.left`: an agent's leg ended (a transfer, a requeue after no answer, or the end);
 * - `queue.left`: the queue leg ended without an answer (abandoned, flowed out);
 * - `customer.left`: the customer's leg ended: the conversation is over;
 * - `agent.wrapup`: the agent finished after-conversation work;
 * - `conversation.ended`: the provider closed the conversation for good (Multicloud CX `FINISHED`: the agent marked
 *   it Done, or a workflow stopped it); the handover ends with `agent_ended`.
 */
export interface ConversationSignalEvent extends ProviderEventBase {
  kind: 'conversation.signal';
  conversationId: string;
  signal: 'agent.alerting' | 'agent.joined' | 'agent.left' | 'queue.left' | 'customer.left' | 'agent.wrapup' | 'conversation.ended';
  /** Provider's reason for a disconnect, in its canonical spelling (Genesys: TRANSFER, CONSULT_TRANSFER, PEER, …). */
  disconnectType?: string;
  /** What the disconnect means for the conversation, decided by the provider for each value. */
  disconnectClass?: DisconnectClass;
  /** On agent.left: the agent was alerted and never answered; the conversation went back to the queue. */
  unanswered?: boolean;
  /** On customer.left: which side ended the conversation. */
  endedBy?: 'agent' | 'customer';
  /** On queue.left: the provider's outcome of the queue leg (Genesys acdOutcome: ABANDON, FLOW_OUT, …). */
  queueOutcome?: string;
  participantId?: string;
  agentUserId?: string;
  agentName?: string;
}

export type ProviderEvent = AgentMessageEvent | AgentTypingEvent | ReceiptEvent | ConversationSignalEvent;
