import type {
  Card,
  DatePicker,
  EventAttachment,
  ListPicker,
  OtherContent,
  QuickReply,
  SharedLocation,
} from '../../contact-center/provider-events';
import type { EndReason } from './handover.model';

export const BOT_EVENT_TYPES = [
  'handover.queued',
  'handover.queue_update',
  'agent.joined',
  'agent.message',
  'agent.typing',
  'handover.ended',
] as const;
export type BotEventType = (typeof BOT_EVENT_TYPES)[number];

export interface BotEventData {
  'handover.queued': { conversationId?: string };
  'handover.queue_update': { position?: number; estimatedWaitMs?: number };
  'agent.joined': { agent: { name?: string } };
  'agent.message': {
    /** The provider's id of this agent message: what a quick-reply click names (`quickReply.messageId`). */
    messageId: string;
    text?: string;
    attachments: EventAttachment[];
    quickReplies: QuickReply[];
    cards?: Card[];
    datePicker?: DatePicker;
    listPicker?: ListPicker;
    location?: SharedLocation;
    otherContent?: OtherContent[];
    agent: { name?: string };
  };
  'agent.typing': { durationMs?: number; agent: { name?: string } };
  'handover.ended': { reason: EndReason };
}

/** The body POSTed to the bot's callback URL (public interface: see the README's "Bot callback" section). */
export interface BotEvent<T extends BotEventType = BotEventType> {
  id: string;
  type: T;
  endpointId: string;
  sessionId: string;
  userId: string;
  handoverId: string;
  time: string;
  data: BotEventData[T];
}
