import type { ConversationSignalEvent } from '../provider-events';
import { readDisconnectType } from './disconnect-types';
import type { MessageConversation, NotificationMessage } from './genesys-types';

/**
 * The detail-event topics that tell a conversation's lifecycle (research note §1). A user segment starts when the
 * agent is *alerted*, so `user.start` is no join: the answer shows as `acd.end` with `acdOutcome: ANSWERED` (and
 * `answeredUserId`), or, for a transfer that bypasses the queue, only in the participant state.
 */
const SUFFIXES = ['user.start', 'user.end', 'acd.end', 'customer.end', 'acw'] as const;

type TopicSuffix = (typeof SUFFIXES)[number];

const TOPIC = /^v2\.detail\.events\.conversation\.([A-Za-z0-9-]+)\.(user\.start|user\.end|acd\.end|customer\.end|acw)$/;

/** The notification topics of one conversation. */
export function conversationTopics(conversationId: string): string[] {
  return SUFFIXES.map((suffix) => `v2.detail.events.conversation.${conversationId}.${suffix}`);
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const positive = (value: unknown): boolean => typeof value === 'number' && value > 0;

function isoTime(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return new Date().toISOString();
}

/**
 * A conversation detail event (WebSocket frame or Process Automation delivery) as a `conversation.signal`, or
 * undefined for any other topic. `disconnectType` is read in any of Genesys's spellings and classified per value
 * (disconnect-types.ts); what the class means for the handover is the handover module's decision.
 */
export function signalFromNotification(message: NotificationMessage): ConversationSignalEvent | undefined {
  const match = TOPIC.exec(message.topicName ?? '');
  if (!match) return undefined;
  const [, topicConversationId, suffix] = match as unknown as [string, string, TopicSuffix];
  const body = (typeof message.eventBody === 'object' && message.eventBody !== null ? message.eventBody : {}) as Record<string, unknown>;
  const conversationId = str(body.conversationId) ?? topicConversationId;
  const participantId = str(body.participantId);
  const eventTime = body.eventTime;
  // Detail events carry no id of their own; these fields identify one, whichever path (WebSocket or trigger) it took.
  const identity = [conversationId, suffix, participantId ?? str(body.userId) ?? '', String(eventTime ?? '')];
  const event: ConversationSignalEvent = {
    kind: 'conversation.signal',
    providerEventId: identity.join(':'),
    conversationId,
    time: isoTime(eventTime),
    signal: 'agent.wrapup',
  };
  if (participantId) event.participantId = participantId;
  const userId = str(body.userId);
  const raw = str(body.disconnectType);
  const disconnect = raw ? readDisconnectType(raw) : undefined;
  switch (suffix) {
    case 'user.start':
      event.signal = 'agent.alerting';
      if (userId) event.agentUserId = userId;
      break;
    case 'acd.end': {
      const answeredBy = str(body.answeredUserId);
      const outcome = str(body.acdOutcome);
      if (outcome === 'ANSWERED' || (outcome === undefined && answeredBy)) {
        event.signal = 'agent.joined';
        if (answeredBy) event.agentUserId = answeredBy;
      } else {
        event.signal = 'queue.left';
        event.queueOutcome = outcome ?? 'UNKNOWN';
      }
      break;
    }
    case 'user.end':
      event.signal = 'agent.left';
      if (userId) event.agentUserId = userId;
      // Alerted, never connected: said by the value, or by the durations when the value does not say it.
      event.unanswered = disconnect?.unanswered === true || (positive(body.alertingDurationMs) && !positive(body.interactingDurationMs));
      break;
    case 'customer.end':
      event.signal = 'customer.left';
      // PEER: "another participant caused the disconnect", i.e. the agent (or a flow) ended it.
      event.endedBy = disconnect?.type === 'PEER' ? 'agent' : 'customer';
      break;
    case 'acw':
      event.signal = 'agent.wrapup';
      if (userId) event.agentUserId = userId;
      break;
  }
  // An answer's queue leg ends with TRANSFER too; the value matters only where a leg ended without one.
  if (disconnect && event.signal !== 'agent.joined' && event.signal !== 'agent.alerting') {
    event.disconnectType = disconnect.type;
    event.disconnectClass = disconnect.class;
  }
  return event;
}

/** A participant state after which the leg is over. */
export const isOver = (state: string | undefined) => state === 'disconnected' || state === 'terminated';

/**
 * What a conversation's current state says happened while nobody listened (a new notifications owner reconciling
 * the conversations it took over): the customer's leg over is `customer.left` (ended by the agent when its
 * disconnectType says PEER), every agent leg over is `agent.left` of the last one, a conversation Genesys no longer
 * knows is `conversation.ended`. Nothing for a conversation still going on. The ids say where they came from;
 * the lifecycle applies an end once however many paths report it.
 */
export function signalsFromConversation(conversationId: string, conversation: MessageConversation | undefined): ConversationSignalEvent[] {
  const base = { kind: 'conversation.signal' as const, conversationId, time: new Date().toISOString() };
  if (!conversation) return [{ ...base, providerEventId: `${conversationId}:reconciled:gone`, signal: 'conversation.ended' }];
  const participants = conversation.participants ?? [];
  const customer = participants.find((p) => p.purpose === 'customer' && isOver(p.state));
  if (customer) {
    const endedBy = customer.disconnectType && readDisconnectType(customer.disconnectType).type === 'PEER' ? 'agent' : 'customer';
    return [
      {
        ...base,
        providerEventId: `${conversationId}:reconciled:customer.end:${customer.id}`,
        signal: 'customer.left',
        participantId: customer.id,
        endedBy,
      },
    ];
  }
  const agents = participants.filter((p) => p.purpose === 'agent');
  const last = agents.at(-1);
  if (!last || !agents.every((p) => isOver(p.state))) return [];
  const agentUserId = last.user?.id ?? last.userId;
  const disconnect = last.disconnectType ? readDisconnectType(last.disconnectType) : undefined;
  return [
    {
      ...base,
      providerEventId: `${conversationId}:reconciled:user.end:${last.id}`,
      signal: 'agent.left',
      participantId: last.id,
      ...(agentUserId ? { agentUserId } : {}),
      ...(disconnect ? { disconnectType: disconnect.type, disconnectClass: disconnect.class } : {}),
    },
  ];
}
