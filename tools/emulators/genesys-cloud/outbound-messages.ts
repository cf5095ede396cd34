import { randomUUID } from 'node:crypto';
import { ControlError } from './errors';
import { newMessageId, type Conversation } from './store';
import type { AgentMessageInput, LogEntry, MessageType } from './types';

/** Builders of the normalized outbound messages Genesys posts to an integration's webhook (reference §3.1–3.2). */

type Json = Record<string, unknown>;

export interface OutboundContext {
  conversation: Conversation;
  integrationName: string;
}

export interface OutboundMessage {
  id: string;
  type: MessageType;
  payload: Json;
}

function envelope(ctx: OutboundContext, id: string): Json {
  const { conversation } = ctx;
  return {
    id,
    channel: {
      id: conversation.integrationId,
      platform: 'Open',
      type: 'Private',
      messageId: id,
      to: { id: conversation.customer.id, idType: conversation.customer.idType },
      from: { nickname: ctx.integrationName, id: conversation.integrationId, idType: 'Opaque' },
      time: new Date().toISOString(),
    },
    conversationId: conversation.id,
    direction: 'Outbound',
  };
}

/** An agent's (or bot flow's) message: `Text` with attachments, or `Structured` when it carries quick replies. */
export function agentMessage(ctx: OutboundContext, input: AgentMessageInput): OutboundMessage {
  const attachments = input.attachments ?? [];
  const quickReplies = input.quickReplies ?? [];
  const cards = input.cards ?? [];
  const raw = input.content ?? [];
  if (!input.text && attachments.length === 0 && quickReplies.length === 0 && cards.length === 0 && raw.length === 0) {
    throw new ControlError(400, 'a message needs text, attachments, quickReplies, cards or content');
  }
  if (attachments.length > 1) throw new ControlError(400, 'one attachment per message (Genesys allows one Attachment item)');
  for (const c of cards) {
    if (typeof c?.title !== 'string' || !Array.isArray(c.actions)) throw new ControlError(400, 'cards need a title and actions');
  }
  for (const item of raw) {
    if (typeof (item as { contentType?: unknown })?.contentType !== 'string')
      throw new ControlError(400, 'content items need a contentType');
  }
  for (const a of attachments) {
    if (typeof a?.url !== 'string' || typeof a.mime !== 'string') throw new ControlError(400, 'attachments need url and mime');
  }
  for (const q of quickReplies) {
    if (typeof q?.text !== 'string') throw new ControlError(400, 'quickReplies need text');
  }
  const id = newMessageId();
  const type: MessageType = quickReplies.length > 0 || cards.length > 0 || raw.length > 0 ? 'Structured' : 'Text';
  const content = [
    ...attachments.map((a) => ({
      contentType: 'Attachment',
      attachment: { id: randomUUID(), mediaType: mediaTypeOf(a.mime), url: a.url, mime: a.mime, filename: a.filename },
    })),
    ...quickReplies.map((q) => ({
      contentType: 'QuickReply',
      quickReply: { text: q.text, payload: q.payload ?? q.text, action: 'Message' },
    })),
    ...cards.map((c) => ({
      contentType: 'Card',
      card: {
        title: c.title,
        ...(c.description ? { description: c.description } : {}),
        actions: c.actions.map((a) => ({ type: 'Postback', text: a.text, payload: a.payload ?? a.text })),
      },
    })),
    ...raw,
  ];
  const payload: Json = {
    ...envelope(ctx, id),
    originatingEntity: input.originatingEntity ?? 'Human',
    type,
    ...(input.text !== undefined ? { text: input.text } : {}),
    content,
  };
  return { id, type, payload };
}

export function agentTyping(ctx: OutboundContext): OutboundMessage {
  const id = newMessageId();
  return {
    id,
    type: 'Event',
    payload: {
      ...envelope(ctx, id),
      type: 'Event',
      events: [{ eventType: 'Typing', typing: { type: 'On', duration: 5000 } }],
    },
  };
}

/** The `Delivered` receipt for a customer message; it carries the id of the message it refers to. */
export function inboundReceipt(ctx: OutboundContext, inbound: LogEntry): OutboundMessage {
  const base = envelope(ctx, inbound.id);
  const channel = base.channel as Json;
  channel.messageId = (inbound.payload.channel as Json | undefined)?.messageId ?? inbound.id;
  return {
    id: inbound.id,
    type: 'Receipt',
    payload: { ...base, direction: 'Inbound', type: 'Receipt', status: 'Delivered', isFinalReceipt: true, reasons: [] },
  };
}

function mediaTypeOf(mime: string): string {
  const family = mime.split('/')[0].toLowerCase();
  if (family === 'image') return 'Image';
  if (family === 'video') return 'Video';
  if (family === 'audio') return 'Audio';
  return 'File';
}
