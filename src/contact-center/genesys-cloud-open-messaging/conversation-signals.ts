import type { ConversationSignalEvent } from '../provider-events';
import type { NotificationMessage } from './genesys-types';

const SIGNALS = {
  'user.start': 'agent.joined',
  'user.end': 'agent.left',
  'customer.end': 'customer.left',
  acw: 'agent.wrapup',
} as const satisfies Record<string, ConversationSignalEvent['signal']>;

type TopicSuffix = keyof typeof SIGNALS;

const TOPIC = /^v2\.detail\.events\.conversation\.([A-Za-z0-9-]+)\.(user\.start|user\.end|customer\.end|acw)$/;

/** The notification topics that tell a conversation's lifecycle (reference §7.4). */
export function conversationTopics(conversationId: string): string[] {
  return Object.keys(SIGNALS).map((suffix) => `v2.detail.events.conversation.${conversationId}.${suffix}`);
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function isoTime(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return new Date().toISOString();
}

/**
 * A conversation detail event (WebSocket frame or Process Automation delivery) as a `conversation.signal`, or
 * undefined for any other topic. `disconnectType` is passed through (lower-cased): telling a transfer (user.end
 * with `transfer`, then user.start) from an end is the handover module's decision.
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
    signal: SIGNALS[suffix],
  };
  if (participantId) event.participantId = participantId;
  const userId = str(body.userId);
  if (userId && suffix !== 'customer.end') event.agentUserId = userId;
  // Detail events spell it TRANSFER, the conversations API transfer; the event model uses the latter.
  const disconnectType = str(body.disconnectType)?.toLowerCase();
  if (disconnectType && (suffix === 'user.end' || suffix === 'customer.end')) event.disconnectType = disconnectType;
  return event;
}
