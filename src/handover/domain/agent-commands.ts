import type { CustomerProfile, CustomerReply, OutgoingAttachment, RoutingData } from '../../contact-center/contact-center-provider';
import type { BotEvent } from './bot-events';

/** What the to-agent lane executes against the contact center, in order, per session. */
export type AgentCommand =
  | {
      kind: 'open';
      handoverId: string;
      customer: CustomerProfile;
      routing: RoutingData;
      /** Transcript parts, then the bot's first text: sent in this order, routing data on the first. */
      texts: string[];
      /** When the handover was asked for: the messages' time, the same on every retry (absent in commands queued before it existed). */
      time?: string;
    }
  | {
      kind: 'message';
      handoverId: string;
      customer: CustomerProfile;
      messageId: string;
      text?: string;
      attachments: OutgoingAttachment[];
      /** When the user wrote: the message's time at the provider, the same on every retry. */
      time?: string;
      /** The user picked a quick reply, button or date of an agent message. */
      reply?: CustomerReply;
    }
  | { kind: 'typing'; handoverId: string; customer: CustomerProfile }
  | {
      kind: 'receipt';
      handoverId: string;
      customer: CustomerProfile;
      providerMessageId: string;
      status: 'Delivered' | 'Failed';
      reason?: string;
    }
  | { kind: 'disconnect'; handoverId: string };

/** What the to-bot lane carries: the callback body, plus the provider message to acknowledge once delivered. */
export interface BotLaneBody {
  event: BotEvent;
  receiptFor?: { providerMessageId: string; customer: CustomerProfile };
}
