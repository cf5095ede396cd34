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
  if (!input.text && attachments.length === 0 && quickReplies.length === 0) {
    throw new ControlError(400, 'a message needs text, attachments or quickReplies');
  }
  for (const a of attachments) {
    if (typeof a?.url !== 'string' || typeof a.mime !== 'string') throw new ControlError(400, 'attachments need url and mime');
  }
  for (const q of quickReplies) {
    if (typeof q?.text !== 'string') throw new ControlError(400, 'quickReplies need text');
  }
  const id = newMessageId();
  const type: MessageType = quickReplies.length > 0 ? 'Structured' : 'Text';
  const content = [
    ...attachments.map((a) => ({
      contentType: 'Attachment',
      attachment: { id: randomUUID(), mediaType: mediaTypeOf(a.mime), url: a.url, mime: a.mime, filename: a.filename },
    })),
    ...quickReplies.map((q) => ({
      contentType: 'QuickReply',
      quickReply: { text: q.text, payload: q.payload ?? q.text, action: 'Message' },
    })),
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
