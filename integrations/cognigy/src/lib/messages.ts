import { attachmentsOf, ConnectorAttachment } from './attachments';
import type { FlowInput } from './state';
import { MAX_ENTRY_TEXT } from './transcript';

/** A quick reply (or card button) the user picked from an agent message (`POST …/messages`, `quickReply`). */
export interface QuickReplyPick {
  messageId: string;
  payload: string;
  text: string;
}

export interface UserMessageBody {
  messageId?: string;
  text?: string;
  attachments?: ConnectorAttachment[];
  quickReply?: QuickReplyPick;
}

/** The connector's client ids are 1-128 letters, digits or `._:@+=-`: other characters become `-` (deterministic, so retries still match). */
export function clientId(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return value
    .trim()
    .replace(/[^A-Za-z0-9._:@+=-]/g, '-')
    .slice(0, 128);
}

/** `{ messageId, payload, text }` when all three are non-empty strings. */
export function quickReplyOf(value: unknown): QuickReplyPick | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { messageId, payload, text } = value as Record<string, unknown>;
  if ([messageId, payload, text].every((v) => typeof v === 'string' && v.trim() !== '')) {
    return { messageId: messageId as string, payload: payload as string, text: text as string };
  }
  return undefined;
}

/**
 * The body of `POST …/sessions/:sessionId/messages`, or undefined when there is nothing to send (no text, no
 * attachment). `messageId` de-duplicates retries at the connector; Cognigy's per-input id is `input.inputId`.
 */
export function userMessageBody(options: {
  messageId?: unknown;
  text?: unknown;
  input?: FlowInput;
  includeAttachments?: boolean;
  quickReply?: QuickReplyPick;
}): UserMessageBody | undefined {
  const text = typeof options.text === 'string' && options.text.trim() !== '' ? options.text.slice(0, MAX_ENTRY_TEXT) : undefined;
  const attachments = options.includeAttachments === false ? [] : attachmentsOf(options.input);
  const quickReply = options.quickReply;
  const bodyText = text ?? quickReply?.text;
  if (!bodyText && attachments.length === 0) return undefined;
  const messageId = clientId(options.messageId);
  return {
    ...(messageId ? { messageId } : {}),
    ...(bodyText ? { text: bodyText } : {}),
    ...(attachments.length > 0 ? { attachments } : {}),
    ...(quickReply ? { quickReply } : {}),
  };
}
