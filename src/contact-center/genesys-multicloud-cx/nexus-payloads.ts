import type { CustomerMessage, ReceiptReason } from '../contact-center-provider';

/*
 * What the connector POSTs to `{apiBaseUrl}/channels/{channelId}/messages` (reference §3): one message per request,
 * `Text` from the consumer to the channel, `Receipt` from the channel to the consumer for an agent message.
 */

export interface NexusChannelAddress {
  from: { id: string };
  to: { id: string };
  messageId?: string;
}

export type NexusInboundMessage =
  | { channel: NexusChannelAddress; type: 'Text'; text: string }
  | {
      channel: NexusChannelAddress & { messageId: string };
      type: 'Receipt';
      status: 'Delivered' | 'Failed';
      reasons?: { code: number; message?: string }[];
    };

export interface NexusRequestBody {
  messages: [NexusInboundMessage];
}

/** Nexus's answer envelope (Engage Cloud API family): `status.code` 0 and 1 are successes, anything else a failure. */
export interface NexusAnswer {
  status?: { code?: unknown; message?: unknown };
  data?: { ids?: unknown };
}

/** Longest text sent in one message: Genesys publishes no limit, so the agent-side limit of Genesys Cloud (§3.1). */
export const NEXUS_TEXT_LIMIT = 4000;

/** Numeric `reasons[].code` of a Failed receipt, from the connector's neutral reasons (reference §3.2). */
export const NEXUS_REASON_CODES: Record<ReceiptReason, number> = {
  MessageExpired: 305,
  RateLimited: 310,
  MessageNotAllowed: 350,
  UnsupportedMessage: 510,
  UnknownMessage: 512,
  InvalidMessageStructure: 520,
  InvalidDestination: 530,
  GeneralError: 500,
};

export function nexusReasonCode(reason: string): number {
  return NEXUS_REASON_CODES[reason as ReceiptReason] ?? NEXUS_REASON_CODES.GeneralError;
}

export function textBody(channelId: string, consumerId: string, text: string): NexusRequestBody {
  return { messages: [{ channel: { from: { id: consumerId }, to: { id: channelId } }, type: 'Text', text }] };
}

export function receiptBody(
  channelId: string,
  consumerId: string,
  messageId: string,
  status: 'Delivered' | 'Failed',
  reason?: { code: string; message?: string },
): NexusRequestBody {
  const channel = { from: { id: channelId }, to: { id: consumerId }, messageId };
  if (status === 'Delivered') return { messages: [{ channel, type: 'Receipt', status }] };
  const message = (reason?.message || 'The message could not be delivered to the customer').slice(0, 500);
  return { messages: [{ channel, type: 'Receipt', status, reasons: [{ code: nexusReasonCode(reason?.code ?? ''), message }] }] };
}

function attachmentLine(attachment: NonNullable<CustomerMessage['attachments']>[number]): string {
  const label = [attachment.filename, attachment.mime && `(${attachment.mime})`].filter(Boolean).join(' ');
  return `[Attachment${label ? ` ${label}` : ''}] ${attachment.url}`;
}

/**
 * A customer message as the texts Nexus gets, in order: the text with one line per attachment (their URLs: the
 * RichMedia schema is not public), cut into pieces of at most `limit` characters.
 */
export function customerTexts(message: Pick<CustomerMessage, 'text' | 'attachments'>, limit = NEXUS_TEXT_LIMIT): string[] {
  const whole = [message.text, ...(message.attachments ?? []).map(attachmentLine)].filter((part) => part).join('\n');
  const pieces: string[] = [];
  for (let offset = 0; offset < whole.length;) {
    let end = Math.min(offset + limit, whole.length);
    // Never between the two halves of a surrogate pair (an emoji would arrive as two broken characters).
    if (end < whole.length && end - offset > 1 && /[\uD800-\uDBFF]/.test(whole[end - 1])) end--;
    pieces.push(whole.slice(offset, end));
    offset = end;
  }
  return pieces;
}
