import type { DeliveryRecord } from '../shared/signed-webhooks';

/** Shapes shared by the emulator's parts: options, in-memory records, and what tests and the control API see. */

export interface EmulatorOptions {
  /** 0 picks an ephemeral port. */
  port?: number;
  host?: string;
  webhookRetryDelayMs?: number;
  /** Retries after the first attempt (Genesys: 5). */
  webhookMaxRetries?: number;
  webhookTimeoutMs?: number;
  /**
   * How long a disconnected conversation still threads new inbound messages from the same sender: Genesys allows
   * 0–72 h and defaults to 72 h (help "Messaging threading timeline"), and so does the emulator.
   */
  threadingTimelineSeconds?: number;
  heartbeatIntervalMs?: number;
  /** Lifetime of a Notifications API channel (Genesys: 24 h). */
  notificationChannelTtlMs?: number;
  /**
   * Refuse a structured response whose originatingMessageId is not a Structured message of its conversation. The SDK
   * only says the field is required; whether Genesys checks what it names is unverified, so this is off by default.
   */
  checkOriginatingMessage?: boolean;
  /** Also send a `Receipt` webhook (`status: 'Delivered'`) for every new customer message. */
  inboundReceiptWebhooks?: boolean;
  oauthClients?: OAuthClientInput[];
  integrations?: IntegrationInput[];
  routing?: Partial<RoutingSettings>;
}

export type ResolvedOptions = Required<Omit<EmulatorOptions, 'oauthClients' | 'integrations' | 'routing'>> & {
  oauthClients: OAuthClientInput[];
  integrations: IntegrationInput[];
  routing: RoutingSettings;
};

export interface OAuthClientInput {
  clientId: string;
  clientSecret: string;
  tokenTtlSeconds?: number;
  /**
   * The permissions of the client's roles; absent: every permission. Detail-event topics need
   * `analytics:conversationDetail:view`: without it their subscriptions are rejected.
   */
  permissions?: string[];
}

/** The control API's shortcut for an Open Messaging integration. */
export interface IntegrationInput {
  id?: string;
  name?: string;
  webhookUrl: string;
  webhookSecret: string;
  webhookHeaders?: Record<string, string>;
}

export interface EntityRef {
  id: string;
  selfUri: string;
}

/** Genesys `OpenIntegration`, as the integrations API returns it. */
export interface OpenIntegration {
  id: string;
  name: string;
  supportedContent: EntityRef;
  messagingSetting?: EntityRef;
  outboundNotificationWebhookUrl: string;
  outboundNotificationWebhookSignatureSecretToken: string;
  webhookHeaders: Record<string, string>;
  status: 'Active';
  recipient: EntityRef;
  dateCreated: string;
  dateModified: string;
  createdBy: EntityRef;
  modifiedBy: EntityRef;
  createStatus: 'Completed';
  selfUri: string;
}

export interface RoutingSettings {
  queueId: string;
  queueName: string;
  estimatedWaitSeconds: number;
  agentsIdle: number;
  agentsInteracting: number;
  waiting: number;
}

export interface EmulatedUser {
  id: string;
  name: string;
}

export type IdType = 'Email' | 'Phone' | 'Opaque';

export interface CustomerAddress {
  id: string;
  idType: IdType;
  nickname?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  image?: string;
}

export type ParticipantPurpose = 'customer' | 'agent' | 'acd';
export type ParticipantState = 'alerting' | 'connected' | 'disconnected';

/** Every `disconnectType` of the detail-event enum (Python SDK `user_end_detail_event_topic_user_end_event.py`). */
export const DISCONNECT_TYPES = [
  'UNKNOWN',
  'ENDPOINT',
  'CLIENT',
  'SYSTEM',
  'TRANSFER',
  'ERROR',
  'PEER',
  'OTHER',
  'SPAM',
  'TIMEOUT',
  'TRANSPORT_FAILURE',
  'CONFERENCE_TRANSFER',
  'CONSULT_TRANSFER',
  'FORWARD_TRANSFER',
  'NO_ANSWER_TRANSFER',
  'NOT_AVAILABLE_TRANSFER',
  'UNCALLABLE',
  'DND_ENDPOINT',
  'DND_TRANSFER',
  'INACTIVITY',
  'SESSION_EXPIRED',
  'TAKEOVER',
] as const;

/** Detail-event spelling (UPPER_SNAKE); the conversations API spells the same values in lower case, dotted. */
export type DisconnectType = (typeof DISCONNECT_TYPES)[number];

/** How an agent leaves a conversation to another: the values a transfer's first leg ends with. */
export const TRANSFER_TYPES = ['TRANSFER', 'CONSULT_TRANSFER', 'FORWARD_TRANSFER', 'CONFERENCE_TRANSFER', 'TAKEOVER'] as const;
export type TransferType = (typeof TRANSFER_TYPES)[number];

/** How an alerted agent's leg ends without an answer (the conversation goes back to the queue). */
export const NO_ANSWER_TYPES = ['NO_ANSWER_TRANSFER', 'NOT_AVAILABLE_TRANSFER', 'DND_TRANSFER'] as const;
export type NoAnswerType = (typeof NO_ANSWER_TYPES)[number];

/** `acdOutcome` of `acd.end` (Python SDK `acd_end_detail_event_topic_acd_end_event.py`). */
export type AcdOutcome = 'UNKNOWN' | 'ABANDON' | 'ANSWERED' | 'FLOW_OUT';

export interface Participant {
  id: string;
  purpose: ParticipantPurpose;
  state: ParticipantState;
  /** The participant's communication (session) id, as detail events report it. */
  sessionId: string;
  name?: string;
  userId?: string;
  queueId?: string;
  attributes: Record<string, string>;
  startTime: string;
  connectedTime?: string;
  endTime?: string;
  disconnectType?: DisconnectType;
  /** Agents: how long Genesys alerts them before it moves on (NO_ANSWER_TRANSFER). */
  alertingTimeoutMs?: number;
}

export type MessageDirection = 'Inbound' | 'Outbound';
/** Genesys normalized-message `type` (typing is `Event`, quick-reply clicks are `Structured`). */
export type MessageType = 'Text' | 'Structured' | 'Event' | 'Receipt';

export interface LogEntry {
  seq: number;
  at: string;
  direction: MessageDirection;
  type: MessageType;
  /** Genesys message id (for receipts: the id of the message they refer to). */
  id: string;
  /** Inbound: the normalized message Genesys answered with. Outbound: the webhook body. */
  payload: Record<string, unknown>;
  delivery?: DeliveryRecord;
}

export interface NotificationRecord {
  at: string;
  topicName: string;
  eventBody: Record<string, unknown>;
  /** How many sockets it was pushed to. */
  deliveredTo: number;
}

export type LifecycleTopic = 'customer.start' | 'acd.start' | 'acd.end' | 'user.start' | 'user.end' | 'customer.end' | 'acw';

export interface ConversationView {
  id: string;
  integrationId: string;
  customer: CustomerAddress;
  state: 'connected' | 'disconnected';
  customAttributes: Record<string, string>;
  participants: Participant[];
  agent: { participantId: string; userId: string; name: string } | null;
  createdAt: string;
  endedAt?: string;
  /** Times the conversation was reopened inside the threading timeline. */
  reopened: number;
  messages: LogEntry[];
}

export type FaultMode = '429' | '503' | 'hang' | 'lost-response' | 'delay';

export interface FaultInput {
  mode: FaultMode;
  count: number;
  retryAfterSeconds?: number;
  /** `delay`: how long each call waits before it is carried out. */
  delayMs?: number;
  pathPrefix?: string;
}

export interface ActiveFault extends FaultInput {
  remaining: number;
}

export interface ApiCallRecord {
  at: string;
  method: string;
  path: string;
  status?: number;
  fault?: FaultMode;
}

export interface ApiCallStats {
  tokenRequests: number;
  tokenRequestsByClient: Record<string, number>;
  /** Requests per path (no query string), every method together. */
  countsByPath: Record<string, number>;
  calls: ApiCallRecord[];
}

export interface NotificationChannelView {
  id: string;
  clientId: string;
  lastUsedAt: string;
  connectUri: string;
  expires: string;
  topics: string[];
  sockets: number;
}

export interface EmulatorState {
  url: string;
  integrations: OpenIntegration[];
  conversations: ConversationView[];
  users: EmulatedUser[];
  routing: RoutingSettings;
  faults: ActiveFault[];
  notificationChannels: NotificationChannelView[];
  /** Channels removed so far because their OAuth client opened a 21st. */
  notificationChannelsEvicted: number;
  notifications: NotificationRecord[];
  apiCalls: ApiCallStats;
}

export interface AgentMessageInput {
  text?: string;
  attachments?: { url: string; mime: string; filename?: string }[];
  quickReplies?: { text: string; payload?: string }[];
  /** Cards with Postback buttons (a Structured message). */
  cards?: { title: string; description?: string; actions: { text: string; payload?: string }[] }[];
  /** Further content elements as a bot flow may send them (QuickReplyV2, ListPicker, Location, Form, …), unchanged. */
  content?: Record<string, unknown>[];
  /** 'Bot' emulates an Architect bot flow writing (no agent needed). */
  originatingEntity?: 'Human' | 'Bot';
}

/** Every state change, as the live feed pushes it. */
export type EmulatorChange =
  | { type: 'conversation'; conversation: ConversationView }
  | { type: 'message'; conversationId: string; entry: LogEntry }
  | { type: 'delivery'; conversationId: string; messageId: string; delivery: DeliveryRecord }
  | { type: 'notification'; notification: NotificationRecord }
  | { type: 'integration'; integration: OpenIntegration }
  | { type: 'integration.deleted'; id: string }
  | { type: 'routing'; routing: RoutingSettings }
  | { type: 'faults'; faults: ActiveFault[] }
  | { type: 'reset' };
