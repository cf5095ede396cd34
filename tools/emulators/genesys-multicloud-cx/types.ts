import type { DeliveryRecord } from '../shared/signed-webhooks';
import type { ActiveFault, ApiCallRecord, FaultInput } from '../shared/traffic-control';

/** Shapes shared by the Multicloud CX emulator's parts: options, in-memory records, and what tests and the control API see. */

export type { DeliveryRecord } from '../shared/signed-webhooks';

export interface McxEmulatorOptions {
  /** 0 picks an ephemeral port. */
  port?: number;
  host?: string;
  /** Redelivery of webhooks that got a 5xx, a 429, a timeout or no answer (Genesys: "retry timeout and attempts", per tenant). */
  webhookRetryDelayMs?: number;
  webhookMaxRetries?: number;
  /** Nexus expects an answer within 10 s. */
  webhookTimeoutMs?: number;
  /**
   * A receipt for an agent message the emulator never sent: `reject` (400, the default) or `ignore` (200, not
   * recorded; for load tests that post agent webhooks to the connector themselves).
   */
  unknownReceipts?: 'reject' | 'ignore';
  channels?: ChannelInput[];
}

export type ResolvedMcxOptions = Required<Omit<McxEmulatorOptions, 'channels'>> & { channels: ChannelInput[] };

/** A Third-Party Messaging channel, as Genesys provisions it for a third party. */
export interface ChannelInput {
  channelId: string;
  /** Contact center id (`x-ccid`) the channel belongs to. */
  ccid: string;
  /** Verifies the third party's requests (`X-Hub-Signature`). */
  requestSecret: string;
  /** Signs the emulator's webhooks; defaults to requestSecret. */
  webhookSecret?: string;
  /** Where agent messages go (the Third-Party Messaging webhook). */
  webhookUrl: string;
  /** Where STARTED / FINISHED go; none: the tenant has no Interactions webhook. */
  interactionsWebhookUrl?: string;
  /** `x-api-key` the gateway accepts; required on every call when set. */
  apiKey?: string;
  /** The Designer application's HTTP REST block: called when an interaction is routed. */
  routingUrl?: string;
  /** Bearer token of that call. */
  routingToken?: string;
  /** `channel.type` of the webhooks (the examples show `sms`). */
  type?: string;
  /** Shown on the agent desk. */
  name?: string;
}

export interface Channel extends Required<Omit<ChannelInput, 'interactionsWebhookUrl' | 'apiKey' | 'routingUrl' | 'routingToken'>> {
  interactionsWebhookUrl?: string;
  apiKey?: string;
  routingUrl?: string;
  routingToken?: string;
}

export type MessageDirection = 'Inbound' | 'Outbound';

export interface ReceiptRecord {
  at: string;
  status: string;
  reasons: { code: number; message?: string }[];
}

export interface LogEntry {
  seq: number;
  at: string;
  /** Inbound: what the third party posted (consumer messages, receipts). Outbound: the webhook body (agent messages). */
  direction: MessageDirection;
  type: string;
  /** Nexus message id (for a receipt: the id of the agent message it is about). */
  id: string;
  payload: Record<string, unknown>;
  delivery?: DeliveryRecord;
}

export type InteractionState = 'queued' | 'active' | 'done';

/** What the Designer application's routing-context call answered (stored as the interaction's user data). */
export interface RoutingCall {
  at: string;
  status?: number;
  error?: string;
  /** The JSON answer of a 200. */
  userData?: Record<string, unknown>;
}

export interface InteractionView {
  id: string;
  channelId: string;
  consumerId: string;
  state: InteractionState;
  agent: { name: string } | null;
  createdAt: string;
  acceptedAt?: string;
  finishedAt?: string;
  /** Agent Desktop (`agent`) or a workflow (`workflow`) stopped it. */
  finishedBy?: 'agent' | 'workflow';
  routingCalls: RoutingCall[];
  messages: LogEntry[];
  /** STARTED / FINISHED deliveries. */
  lifecycle: { event: 'STARTED' | 'FINISHED'; delivery: DeliveryRecord }[];
}

/**
 * An interaction as the demo's agent desk reads a conversation (tools/demo/public/desk.js): the same fields as the
 * Genesys Cloud emulator's view, with the routing-context answer as the participant data.
 */
export interface DeskConversation {
  id: string;
  customer: { id: string; nickname?: string };
  state: 'connected' | 'disconnected';
  customAttributes: Record<string, string>;
  participants: { id: string; purpose: 'agent' | 'customer'; name?: string; connectedTime?: string; endTime?: string }[];
  agent: { name: string } | null;
  createdAt: string;
  messages: LogEntry[];
}

export type McxFaultMode = '429' | '503' | 'hang' | 'status-code';
export type McxFaultInput = FaultInput<McxFaultMode>;
export type McxActiveFault = ActiveFault<McxFaultMode>;

export type WebhookFaultMode = 'wrong-signature' | 'duplicate' | 'delay';

/** The next `count` webhook deliveries (agent messages, or lifecycle events) get this fault. */
export interface WebhookFaultInput {
  mode: WebhookFaultMode;
  count: number;
  /** For `delay`. */
  delayMs?: number;
  /** `messages` (default) or `interactions`. */
  webhook?: 'messages' | 'interactions';
}

export interface WebhookFault extends WebhookFaultInput {
  remaining: number;
}

export interface McxApiCalls {
  countsByPath: Record<string, number>;
  calls: ApiCallRecord<McxFaultMode>[];
}

export interface McxEmulatorState {
  url: string;
  channels: Omit<Channel, 'requestSecret' | 'webhookSecret' | 'apiKey' | 'routingToken'>[];
  interactions: InteractionView[];
  faults: McxActiveFault[];
  webhookFaults: WebhookFault[];
  apiCalls: McxApiCalls;
  /** Every contract problem seen so far in the connector's requests and answers. */
  violations: string[];
}

export interface AgentWriteInput {
  text?: string;
  /** Another message type, to see what the connector does with it (e.g. `RichMedia`). */
  type?: string;
}

/** Every state change, as the live feed pushes it. `conversation` and `message` carry the desk's shapes. */
export type McxChange =
  | { type: 'conversation'; conversation: DeskConversation }
  | { type: 'message'; conversationId: string; entry: LogEntry }
  | { type: 'delivery'; conversationId: string; messageId: string; delivery: DeliveryRecord }
  | { type: 'lifecycle'; conversationId: string; event: 'STARTED' | 'FINISHED'; delivery: DeliveryRecord }
  | { type: 'routing-call'; conversationId: string; call: RoutingCall }
  | { type: 'faults'; faults: McxActiveFault[] }
  | { type: 'reset' };
