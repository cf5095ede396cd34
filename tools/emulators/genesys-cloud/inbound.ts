import { GenesysApiError, MALFORMED_SYNTAX } from './errors';
import type { CustomerAddress, IdType } from './types';

/**
 * Validation of the four inbound Open Messaging bodies, with ajv-style messages like the Genesys validator's,
 * and the normalized `channel` Genesys answers with.
 */

type Json = Record<string, unknown>;

const ID_TYPES: readonly IdType[] = ['Email', 'Phone', 'Opaque'];
const MEDIA_TYPES = ['Image', 'Video', 'Audio', 'File', 'Link'] as const;
const RECEIPT_STATUSES = ['Delivered', 'Failed'] as const;
const BUTTON_TYPES = ['Button', 'QuickReply', 'DatePicker'] as const;
const REASON_CODES = [
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

export function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

export const TEXT_OR_CONTENT_REQUIRED =
  "should have required property 'content', should have required property '.text', should match some schema in anyOf";

export interface InboundAttachment {
  mediaType: (typeof MEDIA_TYPES)[number];
  url: string;
  mime: string;
  id?: string;
  text?: string;
  sha256?: string;
  filename?: string;
}

interface InboundBase {
  customer: CustomerAddress;
  time: string;
  messageId?: string;
}

export interface InboundMessage extends InboundBase {
  text?: string;
  attachments: InboundAttachment[];
  customAttributes: Record<string, string>;
  metadata?: Record<string, string>;
}

export interface InboundTyping extends InboundBase {
  events: { eventType: 'Typing' }[];
}

export interface InboundReceipt {
  id: string;
  to: { id: string; idType?: IdType };
  time: string;
  status: (typeof RECEIPT_STATUSES)[number];
  isFinalReceipt: boolean;
  reasons: { code: (typeof REASON_CODES)[number]; message?: string }[];
}

export interface InboundButtonResponse extends InboundBase {
  buttonResponse: { type: (typeof BUTTON_TYPES)[number]; text: string; payload: string };
  originatingMessageId: string;
  customAttributes: Record<string, string>;
}

export function parseInboundMessage(body: unknown): InboundMessage {
  const root = object(body, '');
  const base = parseSender(root);
  const text = optionalString(root, 'text', '');
  const attachments = root.content === undefined ? [] : array(root.content, 'content').map(parseContent);
  if (!text && attachments.length === 0) throw GenesysApiError.badRequest(TEXT_OR_CONTENT_REQUIRED);
  // "If contentType = "Attachment" only one item is allowed" (OpenMessageContent; the outbound schema says the same).
  if (attachments.length > 1) throw GenesysApiError.badRequest('content should NOT have more than 1 items');
  return { ...base, text, attachments, customAttributes: customAttributes(root), metadata: topLevelMetadata(root) };
}

export function parseInboundTyping(body: unknown): InboundTyping {
  const root = object(body, '');
  const base = parseSender(root);
  const events = array(required(root, 'events', ''), 'events');
  if (events.length === 0) throw GenesysApiError.badRequest('events should NOT have fewer than 1 items');
  return {
    ...base,
    events: events.map((e, i) => ({ eventType: oneOf(object(e, `events[${i}]`), 'eventType', `events[${i}]`, ['Typing']) })),
  };
}

export function parseInboundReceipt(body: unknown): InboundReceipt {
  const root = object(body, '');
  const channel = object(required(root, 'channel', ''), 'channel');
  const to = object(required(channel, 'to', 'channel'), 'channel.to');
  const reasons = root.reasons === undefined ? [] : array(root.reasons, 'reasons');
  return {
    id: requiredString(root, 'id', ''),
    to: {
      id: requiredString(to, 'id', 'channel.to'),
      idType: to.idType === undefined ? undefined : oneOf(to, 'idType', 'channel.to', ID_TYPES),
    },
    time: requiredTime(channel),
    status: oneOf(root, 'status', '', RECEIPT_STATUSES),
    isFinalReceipt: root.isFinalReceipt === undefined ? true : root.isFinalReceipt === true,
    reasons: reasons.map((r, i) => {
      const reason = object(r, `reasons[${i}]`);
      return {
        code: oneOf(reason, 'code', `reasons[${i}]`, REASON_CODES),
        message: optionalString(reason, 'message', `reasons[${i}]`),
      };
    }),
  };
}

/**
 * `OpenInboundStructuredResponseMessage`: `channel`, `buttonResponse` and `originatingMessageId` are all required,
 * and so are `type`, `text` and `payload` of `ContentButtonResponse` (SDK `index.d.ts`, Python SDK docs).
 */
export function parseInboundButtonResponse(body: unknown): InboundButtonResponse {
  const root = object(body, '');
  const base = parseSender(root);
  const button = object(required(root, 'buttonResponse', ''), 'buttonResponse');
  return {
    ...base,
    buttonResponse: {
      type: oneOf(button, 'type', 'buttonResponse', BUTTON_TYPES),
      text: requiredString(button, 'text', 'buttonResponse'),
      payload: requiredString(button, 'payload', 'buttonResponse'),
    },
    originatingMessageId: requiredString(root, 'originatingMessageId', ''),
    customAttributes: customAttributes(root),
  };
}

/** The `channel` of the normalized message Genesys answers an inbound call with. */
export function normalizedInboundChannel(integrationId: string, inbound: InboundBase, messageId: string): Json {
  return {
    id: integrationId,
    platform: 'Open',
    type: 'Private',
    messageId: inbound.messageId ?? messageId,
    to: { id: integrationId },
    from: { ...inbound.customer },
    time: inbound.time,
  };
}

// ---- field helpers ---------------------------------------------------------------------------------------------

function parseSender(root: Json): InboundBase {
  const channel = object(required(root, 'channel', ''), 'channel');
  const from = object(required(channel, 'from', 'channel'), 'channel.from');
  const customer: CustomerAddress = {
    id: requiredString(from, 'id', 'channel.from'),
    idType: oneOf(from, 'idType', 'channel.from', ID_TYPES),
  };
  for (const key of ['nickname', 'firstName', 'lastName', 'email', 'image'] as const) {
    const value = optionalString(from, key, 'channel.from');
    if (value !== undefined) customer[key] = value;
  }
  return { customer, time: requiredTime(channel), messageId: optionalString(channel, 'messageId', 'channel') };
}

function parseContent(item: unknown, index: number): InboundAttachment {
  const path = `content[${index}]`;
  const content = object(item, path);
  if (content.contentType !== undefined) oneOf(content, 'contentType', path, ['Attachment']);
  const attachment = object(required(content, 'attachment', path), `${path}.attachment`);
  const at = `${path}.attachment`;
  const parsed: InboundAttachment = {
    mediaType: oneOf(attachment, 'mediaType', at, MEDIA_TYPES),
    url: requiredString(attachment, 'url', at),
    mime: requiredString(attachment, 'mime', at),
  };
  for (const key of ['id', 'text', 'sha256', 'filename'] as const) {
    const value = optionalString(attachment, key, at);
    if (value !== undefined) parsed[key] = value;
  }
  return parsed;
}

/** `channel.metadata.customAttributes` is where participant data goes; it must map strings to strings. */
function customAttributes(root: Json): Record<string, string> {
  const channel = root.channel as Json;
  if (channel.metadata === undefined) return {};
  const metadata = object(channel.metadata, 'channel.metadata');
  if (metadata.customAttributes === undefined) return {};
  if (!isStringMap(metadata.customAttributes)) throw GenesysApiError.badRequest(MALFORMED_SYNTAX);
  return { ...metadata.customAttributes };
}

/** Top-level `metadata` is `map<string,string>`: a nested `customAttributes` object does not deserialize. */
function topLevelMetadata(root: Json): Record<string, string> | undefined {
  if (root.metadata === undefined) return undefined;
  if (!isStringMap(root.metadata)) throw GenesysApiError.badRequest(MALFORMED_SYNTAX);
  return { ...root.metadata };
}

function at(path: string): string {
  return path ? `${path} ` : '';
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw GenesysApiError.badRequest(path ? `${path} should be object` : MALFORMED_SYNTAX);
  }
  return value as Json;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw GenesysApiError.badRequest(`${path} should be array`);
  return value;
}

function required(parent: Json, key: string, path: string): unknown {
  if (parent[key] === undefined || parent[key] === null) {
    throw GenesysApiError.badRequest(`${at(path)}should have required property '${key}'`);
  }
  return parent[key];
}

function requiredString(parent: Json, key: string, path: string): string {
  const value = required(parent, key, path);
  if (typeof value !== 'string') throw GenesysApiError.badRequest(`${path ? `${path}.` : ''}${key} should be string`);
  return value;
}

function optionalString(parent: Json, key: string, path: string): string | undefined {
  return parent[key] === undefined || parent[key] === null ? undefined : requiredString(parent, key, path);
}

function requiredTime(channel: Json): string {
  const time = requiredString(channel, 'time', 'channel');
  if (Number.isNaN(Date.parse(time))) throw GenesysApiError.badRequest('channel.time should match format "date-time"');
  return time;
}

/** Enum match, case-insensitive as Genesys accepts `"email"`; answers the canonical spelling. */
function oneOf<T extends string>(parent: Json, key: string, path: string, values: readonly T[]): T {
  const value = requiredString(parent, key, path);
  const match = values.find((v) => v.toLowerCase() === value.toLowerCase());
  if (!match) {
    throw GenesysApiError.badRequest(`${path ? `${path}.` : ''}${key} should be equal to one of the allowed values: ${values.join(', ')}`);
  }
  return match;
}
