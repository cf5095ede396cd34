import { randomUUID } from 'node:crypto';
import type { ReceiptReason } from '../contact-center-provider';
import type { AgentMessageEvent, ConversationSignalEvent, ReceiptEvent } from '../provider-events';
import { addressOf } from './customer-ids';

/*
 * What Nexus POSTs to the connector (reference §4, §5), normalised. Only the fields the official examples show are
 * relied on; anything else is read defensively (an agent name in `channel.from.name`, a `messages` array).
 */

/** One agent message of the Third-Party Messaging webhook, as the connector handles it. */
export type AgentWebhookItem =
  /** For the intake: an agent's Text, or a receipt Nexus sent for one of our messages. */
  | { kind: 'event'; messageId: string; consumerId: string; event: AgentMessageEvent | ReceiptEvent }
  /** Acknowledged, and answered with a Failed receipt of this reason (the bot cannot be given it). */
  | { kind: 'refused'; messageId: string; consumerId: string; reason: ReceiptReason; type: string };

export interface AgentWebhook {
  /** What the answer echoes (`{ "messageId" }`): the first message's `channel.messageId`. */
  messageId: string;
  items: AgentWebhookItem[];
}

/** The body is JSON but not a Third-Party Messaging message: answered 400. */
export class NexusWebhookShapeError extends Error {}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown, max = 1024): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;

/** `channel.to` is an object for chat and SMS, an array of `{ id, name }` for email (§4.1): the first one counts. */
function firstId(to: unknown): string | undefined {
  const first: unknown = Array.isArray(to) ? to[0] : to;
  return isObject(first) ? text(first.id, 256) : undefined;
}

function agentItem(message: Json, receivedAt: string): AgentWebhookItem {
  const channel = isObject(message.channel) ? message.channel : undefined;
  const consumerId = channel && firstId(channel.to);
  if (!channel || !consumerId) throw new NexusWebhookShapeError('channel.to.id is missing');
  // Without an id from Nexus nothing can be de-duplicated or acknowledged later; a fresh one keeps the contract.
  const messageId = text(channel.messageId, 256) ?? `hc-${randomUUID()}`;
  // Named in a log line and a receipt when refused: only word characters survive.
  const type = typeof message.type === 'string' ? message.type.slice(0, 40).replace(/[^\w.-]/g, '?') : '';
  const address = addressOf(consumerId);
  if (type === 'Text') {
    const body = typeof message.text === 'string' ? message.text : undefined;
    if (!body) return { kind: 'refused', messageId, consumerId, reason: 'InvalidMessageStructure', type };
    const from = isObject(channel.from) ? channel.from : {};
    const event: AgentMessageEvent = {
      kind: 'agent.message',
      providerEventId: messageId,
      ...address,
      time: receivedAt,
      text: body,
      attachments: [],
      quickReplies: [],
      cards: [],
      agentName: text(from.name, 200),
    };
    return { kind: 'event', messageId, consumerId, event };
  }
  if (type === 'Receipt') {
    const reasons = Array.isArray(message.reasons) ? message.reasons.filter(isObject).slice(0, 10) : [];
    const event: ReceiptEvent = {
      kind: 'receipt',
      providerEventId: messageId,
      ...address,
      time: receivedAt,
      status: typeof message.status === 'string' ? message.status.slice(0, 40) : '',
      reasons: reasons.map((r) => ({ code: String(r.code).slice(0, 40), message: text(r.message, 500) })),
    };
    return { kind: 'event', messageId, consumerId, event };
  }
  return { kind: 'refused', messageId, consumerId, reason: 'UnsupportedMessage', type };
}

/**
 * The Third-Party Messaging webhook: one message object per request (§4.1), or defensively `{ "messages": [ … ] }`
 * (at most 100). Throws NexusWebhookShapeError for anything that is not such a message.
 */
export function normaliseAgentWebhook(body: unknown, receivedAt = new Date().toISOString()): AgentWebhook {
  if (!isObject(body)) throw new NexusWebhookShapeError('The body must be a message object');
  const messages = Array.isArray(body.messages) ? body.messages : [body];
  if (messages.length === 0 || messages.length > 100) throw new NexusWebhookShapeError('messages must hold 1 to 100 messages');
  const items = messages.map((message) => {
    if (!isObject(message)) throw new NexusWebhookShapeError('Each message must be an object');
    return agentItem(message, receivedAt);
  });
  return { messageId: items[0].messageId, items };
}

export interface InteractionsWebhook {
  /** `FINISHED` events, as the signal that ends the interaction's handover. */
  events: ConversationSignalEvent[];
  /** `STARTED` and unknown events: acknowledged, nothing to do. */
  ignored: number;
}

/**
 * The Interactions webhook (§5): `{ operationId, data: { entities: [ { event, entity: { id, … } } ] } }`. A FINISHED
 * interaction ends the handover it was bound to (routing-context); STARTED is acknowledged only (the handover is
 * already queued once its first message was accepted, and the event names no consumer).
 */
export function normaliseInteractionsWebhook(body: unknown, receivedAt = new Date().toISOString()): InteractionsWebhook {
  const data = isObject(body) && isObject(body.data) ? body.data : undefined;
  if (!data || !Array.isArray(data.entities)) throw new NexusWebhookShapeError('data.entities must be an array');
  if (data.entities.length > 1000) throw new NexusWebhookShapeError('data.entities holds more than 1000 events');
  const operationId = text((body as Json).operationId, 256) ?? randomUUID();
  const events: ConversationSignalEvent[] = [];
  let ignored = 0;
  for (const item of data.entities) {
    const entity = isObject(item) && isObject(item.entity) ? item.entity : undefined;
    const interactionId = entity && text(entity.id, 256);
    if (!interactionId || !isObject(item) || item.event !== 'FINISHED') {
      ignored++;
      continue;
    }
    events.push({
      kind: 'conversation.signal',
      signal: 'conversation.ended',
      providerEventId: `${operationId}:${interactionId}`,
      conversationId: interactionId,
      time: receivedAt,
    });
  }
  return { events, ignored };
}
