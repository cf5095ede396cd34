import type { CustomerMessage, CustomerProfile, RoutingData } from '../contact-center-provider';
import type {
  GenesysFromRecipient,
  GenesysMediaType,
  InboundEventBody,
  InboundMessageBody,
  InboundReceiptBody,
  InboundStructuredResponseBody,
} from './genesys-types';

/** `ConversationReason.code` values Genesys accepts on an inbound receipt (reference §2.6). */
export const RECEIPT_REASON_CODES = [
  'MessageExpired',
  'RateLimited',
  'MessageNotAllowed',
  'GeneralError',
  'UnsupportedMessage',
  'UnknownMessage',
  'InvalidMessageStructure',
  'InvalidDestination',
  'ServerError',
  'MediaTypeNotAllowed',
  'InvalidMediaContentLength',
  'RecipientOptedOut',
  'DataFiltered',
] as const;

export function mediaTypeFromMime(mime: string): GenesysMediaType {
  const top = mime.trim().toLowerCase().split('/')[0];
  if (top === 'image') return 'Image';
  if (top === 'video') return 'Video';
  if (top === 'audio') return 'Audio';
  return 'File';
}

export function fromRecipient(customer: CustomerProfile): GenesysFromRecipient {
  const from: GenesysFromRecipient = { id: customer.id, idType: 'Opaque' };
  if (customer.nickname) from.nickname = customer.nickname;
  if (customer.firstName) from.firstName = customer.firstName;
  if (customer.lastName) from.lastName = customer.lastName;
  if (customer.email) from.email = customer.email;
  return from;
}

/**
 * Participant data for the Architect flow: `language`, `skills` (comma-separated), `priority`, then the custom
 * attributes, every value a string. The named routing fields win over custom attributes of the same name.
 */
export function routingAttributes(routing: RoutingData): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (routing.language) attributes.language = routing.language;
  if (routing.skills.length > 0) attributes.skills = routing.skills.join(',');
  if (routing.priority !== undefined && routing.priority !== null) attributes.priority = String(routing.priority);
  for (const [key, value] of Object.entries(routing.customAttributes ?? {})) {
    if (!(key in attributes) && value !== undefined && value !== null) attributes[key] = String(value);
  }
  return attributes;
}

export function inboundMessageBody(message: CustomerMessage): InboundMessageBody {
  const body: InboundMessageBody = {
    channel: { from: fromRecipient(message.customer), messageId: message.messageId, time: message.time },
  };
  if (message.routing) body.channel.metadata = { customAttributes: routingAttributes(message.routing) };
  if (message.text) body.text = message.text;
  if (message.attachments && message.attachments.length > 0) {
    body.content = message.attachments.map((a) => ({
      attachment: {
        mediaType: mediaTypeFromMime(a.mime),
        url: a.url,
        mime: a.mime,
        ...(a.filename ? { filename: a.filename } : {}),
      },
    }));
  }
  return body;
}

/** A message with several attachments as one message per attachment: the first keeps the text, id and time. */
export function inboundMessageParts(message: CustomerMessage): CustomerMessage[] {
  const attachments = message.attachments ?? [];
  if (attachments.length <= 1) return [message];
  const start = Date.parse(message.time);
  return attachments.map((attachment, index) =>
    index === 0
      ? { ...message, attachments: [attachment] }
      : {
          customer: message.customer,
          messageId: `${message.messageId}-a${index}`,
          time: Number.isNaN(start) ? message.time : new Date(start + index).toISOString(),
          attachments: [attachment],
        },
  );
}

export function typingEventBody(customer: CustomerProfile, time: string): InboundEventBody {
  return { channel: { from: fromRecipient(customer), time }, events: [{ eventType: 'Typing' }] };
}

export function receiptBody(receipt: {
  customer: CustomerProfile;
  providerMessageId: string;
  status: 'Delivered' | 'Failed';
  reason?: { code: string; message: string };
  time: string;
}): InboundReceiptBody {
  const body: InboundReceiptBody = {
    id: receipt.providerMessageId,
    channel: { to: { id: receipt.customer.id, idType: 'Opaque' }, time: receipt.time },
    status: receipt.status,
    direction: 'Outbound',
    isFinalReceipt: true,
  };
  if (receipt.status === 'Failed') {
    const code = (RECEIPT_REASON_CODES as readonly string[]).includes(receipt.reason?.code ?? '') ? receipt.reason!.code : 'GeneralError';
    body.reasons = [{ code, message: receipt.reason?.message || 'The message could not be delivered to the customer' }];
  }
  return body;
}

export interface StructuredResponse {
  customer: CustomerProfile;
  /** Our id for the click (stable across retries). */
  messageId: string;
  time: string;
  type: 'Button' | 'QuickReply' | 'DatePicker';
  text: string;
  payload: string;
  /** Genesys id of the Structured message that offered the choice (required by the SDK model). */
  originatingMessageId: string;
}

/** `OpenInboundStructuredResponseMessage`, exactly the three fields the SDK model requires. */
export function structuredResponseBody(response: StructuredResponse): InboundStructuredResponseBody {
  return {
    channel: { from: fromRecipient(response.customer), messageId: response.messageId, time: response.time },
    buttonResponse: { type: response.type, text: response.text, payload: response.payload },
    originatingMessageId: response.originatingMessageId,
  };
}
