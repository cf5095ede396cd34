import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Channel } from './types';

/** A Nexus error answer: the Engage Cloud envelope `{ status: { code, message } }` with its HTTP status. */
export class NexusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendNexusError(res: Response, status: number, message: string): void {
  res.status(status).json({ status: { code: status, message } });
}

export const nexusErrors: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  if (err instanceof NexusError) return sendNexusError(res, err.status, err.message);
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) return sendNexusError(res, status, 'Bad request');
  sendNexusError(res, 500, 'Internal error');
};

/** `sha1=` + hex HMAC-SHA1 of the exact bytes: what Nexus expects on a third party's request, and signs its webhooks with. */
export function signNexusBody(secret: string, body: Buffer): string {
  return `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
}

function signatureMatches(header: unknown, raw: Buffer, secret: string): boolean {
  if (typeof header !== 'string' || !/^sha1=[0-9a-fA-F]{40}$/.test(header)) return false;
  return timingSafeEqual(Buffer.from(header.slice(5), 'hex'), createHmac('sha1', secret).update(raw).digest());
}

/** A consumer message or a receipt, as the third party posted it (validated). */
export type InboundMessage =
  | { type: 'Text'; consumerId: string; text: string; raw: Record<string, unknown> }
  | {
      type: 'Receipt';
      consumerId: string;
      messageId: string;
      status: string;
      reasons: { code: number; message?: string }[];
      raw: Record<string, unknown>;
    };

export interface NexusHandlers {
  channel(channelId: string): Channel | undefined;
  /** Handles one validated message; answers the id of a Text (undefined for a receipt). */
  message(channel: Channel, message: InboundMessage): string | undefined;
  violation(problem: string): void;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseMessage(channel: Channel, message: unknown): InboundMessage {
  if (!isObject(message) || !isObject(message.channel)) throw new NexusError(400, 'messages[].channel is required');
  const from = isObject(message.channel.from) ? message.channel.from.id : undefined;
  const to = isObject(message.channel.to) ? message.channel.to.id : undefined;
  if (typeof from !== 'string' || !from || typeof to !== 'string' || !to)
    throw new NexusError(400, 'channel.from.id and channel.to.id are required');
  switch (message.type) {
    case 'Text':
      if (to !== channel.channelId) throw new NexusError(400, 'channel.to.id must be the channel of the path');
      if (typeof message.text !== 'string' || !message.text) throw new NexusError(400, 'text is required for a Text message');
      return { type: 'Text', consumerId: from, text: message.text, raw: message };
    case 'Receipt': {
      if (from !== channel.channelId) throw new NexusError(400, 'channel.from.id of a receipt must be the channel of the path');
      const messageId = message.channel.messageId;
      if (typeof messageId !== 'string' || !messageId) throw new NexusError(400, 'channel.messageId is required for a receipt');
      if (!['Delivered', 'Removed', 'Failed'].includes(message.status as string)) {
        throw new NexusError(400, 'status must be Delivered, Removed or Failed');
      }
      const reasons = Array.isArray(message.reasons) ? message.reasons : [];
      if (message.status === 'Failed' && reasons.length === 0) throw new NexusError(400, 'a Failed receipt needs reasons');
      for (const reason of reasons) {
        if (!isObject(reason) || typeof reason.code !== 'number') throw new NexusError(400, 'reasons[].code must be a number');
      }
      return {
        type: 'Receipt',
        consumerId: to,
        messageId,
        status: message.status as string,
        reasons: reasons.map((r) => ({ code: (r as Json).code as number, message: (r as Json).message as string | undefined })),
        raw: message,
      };
    }
    default:
      throw new NexusError(400, `type ${String(message.type).slice(0, 40)} is not supported by the emulator (Text, Receipt)`);
  }
}

/**
 * `POST /nexus/v3/channels/:channelId/messages` (reference §3): the gateway's `x-api-key`, `x-ccid`, the
 * `X-Hub-Signature` over the raw bytes with the channel secret, then `{ messages: [ … ] }`; answers
 * `{ status: { code: 0 }, data: { ids } }` (no `data` for receipts only).
 */
export function nexusRoutes(handlers: NexusHandlers): Router {
  const router = Router();
  router.post(
    '/channels/:channelId/messages',
    express.raw({ type: () => true, limit: '1mb' }),
    (req: Request<{ channelId: string }>, res) => {
      const channel = handlers.channel(req.params.channelId);
      if (!channel) throw new NexusError(404, `Channel ${req.params.channelId} not found`);
      if (channel.apiKey && req.header('x-api-key') !== channel.apiKey) throw new NexusError(401, 'Missing or invalid API key');
      const ccid = req.header('x-ccid');
      if (!ccid) throw new NexusError(400, 'x-ccid header is required');
      if (ccid !== channel.ccid) throw new NexusError(403, 'The channel does not belong to this contact center');
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!signatureMatches(req.header('x-hub-signature'), raw, channel.requestSecret)) throw new NexusError(401, 'Invalid signature');
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new NexusError(400, 'The body is not JSON');
      }
      if (!isObject(body) || !Array.isArray(body.messages) || body.messages.length === 0) {
        throw new NexusError(400, 'messages must be a non-empty array');
      }
      if (body.messages.length > 1)
        handlers.violation(`${body.messages.length} messages in one request (the connector sends one per request)`);
      const parsed = body.messages.map((m) => parseMessage(channel, m));
      const ids = parsed.map((m) => handlers.message(channel, m)).filter((id): id is string => id !== undefined);
      res.json(ids.length > 0 ? { status: { code: 0 }, data: { ids } } : { status: { code: 0 } });
    },
  );
  return router;
}
