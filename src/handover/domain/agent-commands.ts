import type { CustomerProfile, CustomerReply, OutgoingAttachment, RoutingData } from '../../contact-center/contact-center-provider';
import type { BotRoute } from '../../bot/bot-callback-event';
import type { BotEvent } from './bot-events';
import type { MailboxEntry } from '../../relay/session-mailbox';

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
  /** Where this handover's events go, when the bot chose (a Cognigy Endpoint's URLToken: an identifier, not a secret). */
  route?: BotRoute;
  receiptFor?: { providerMessageId: string; customer: CustomerProfile };
  /**
   * The event's `data.agent` is the handover's agent when the entry was queued (it changes on a transfer): the
   * queue script annotates the entry with it (`annotations.agentName`), botEventOf puts it in at delivery.
   */
  currentAgent?: true;
}

/** The body the bot gets for a to-bot entry: its event, with the agent it was queued under when it asked for it. */
export function botEventOf(entry: MailboxEntry<BotLaneBody>): BotEvent {
  const { event, currentAgent } = entry.body;
  if (!currentAgent) return event;
  const name = entry.annotations?.agentName;
  return { ...event, data: { ...event.data, agent: name ? { name } : {} } };
}
