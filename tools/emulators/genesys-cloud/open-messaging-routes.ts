import { Router, type Request } from 'express';
import { GenesysApiError } from './errors';
import {
  isStringMap,
  normalizedInboundChannel,
  parseInboundButtonResponse,
  parseInboundMessage,
  parseInboundReceipt,
  parseInboundTyping,
  type InboundMessage,
  type InboundButtonResponse,
} from './inbound';
import { newMessageId, type Conversation, type EmulatorStore, type EndInitiator } from './store';
import type { DisconnectType, LogEntry, OpenIntegration, Participant, ParticipantPurpose } from './types';

type Json = Record<string, unknown>;

export interface OpenMessagingDeps {
  store: EmulatorStore;
  /** A structured response must name a Structured message of its conversation (unverified at Genesys: off by default). */
  checkOriginatingMessage: boolean;
  /** Called once per new (non-duplicate) customer message. */
  onInboundMessage: (conversation: Conversation, entry: LogEntry) => void;
}

const INTEGRATIONS = '/conversations/messaging/integrations/open';
/** Disconnecting a participant ends the conversation from that side (a queue leg counts as the system). */
const ENDED_BY: Record<ParticipantPurpose, EndInitiator> = { customer: 'customer', agent: 'agent', acd: 'system' };
const INBOUND = '/conversations/messages/:integrationId/inbound/open';

/**
 * `MessageMediaParticipant.disconnectType` (REST): lower case, dotted, do-not-disturb spelled out; it has no
 * `timeout`, `uncallable` or `unknown` (Python SDK `message_media_participant.py`), which read as `other`.
 */
const REST_DISCONNECT_TYPE: Record<DisconnectType, string> = {
  UNKNOWN: 'other',
  ENDPOINT: 'endpoint',
  CLIENT: 'client',
  SYSTEM: 'system',
  TRANSFER: 'transfer',
  ERROR: 'error',
  PEER: 'peer',
  OTHER: 'other',
  SPAM: 'spam',
  TIMEOUT: 'other',
  TRANSPORT_FAILURE: 'transport.failure',
  CONFERENCE_TRANSFER: 'transfer.conference',
  CONSULT_TRANSFER: 'transfer.consult',
  FORWARD_TRANSFER: 'transfer.forward',
  NO_ANSWER_TRANSFER: 'transfer.noanswer',
  NOT_AVAILABLE_TRANSFER: 'transfer.notavailable',
  UNCALLABLE: 'other',
  DND_ENDPOINT: 'endpoint.donotdisturb',
  DND_TRANSFER: 'transfer.donotdisturb',
  INACTIVITY: 'inactivity',
  SESSION_EXPIRED: 'session.expired',
  TAKEOVER: 'takeover',
};

/** Open Messaging integrations, the four inbound endpoints, and the message-conversation endpoints (under /api/v2). */
export function openMessagingRoutes({ store, onInboundMessage, checkOriginatingMessage }: OpenMessagingDeps): Router {
  const router = Router();

  const requireIntegration = (req: Request<{ integrationId: string }>): OpenIntegration => {
    const integration = store.integrations.get(req.params.integrationId);
    if (!integration) throw GenesysApiError.notFound(`Integration ${req.params.integrationId} not found`);
    return integration;
  };

  const requireConversation = (id: string): Conversation => {
    const conversation = store.getConversation(id);
    if (!conversation) throw GenesysApiError.notFound(`Conversation ${id} not found`);
    return conversation;
  };

  /** Stores a customer message or button response once per `channel.messageId` and conversation. */
  const threadCustomerInput = (
    integration: OpenIntegration,
    inbound: InboundMessage | InboundButtonResponse,
    build: (id: string) => Json,
  ): { conversation: Conversation; entry: LogEntry } => {
    const conversation = store.threadInbound(integration.id, inbound.customer, inbound.customAttributes);
    // A message is "a unique combination of id and time" (outbound messages page): a resend with another time is new.
    const key = inbound.messageId ? `${inbound.messageId}\u0000${inbound.time}` : undefined;
    const duplicate = key ? conversation.inboundByMessageId.get(key) : undefined;
    if (duplicate) return { conversation, entry: duplicate };
    const id = newMessageId();
    const payload = build(id);
    const entry = store.appendLog(conversation, { direction: 'Inbound', type: payload.type as LogEntry['type'], id, payload });
    if (key) conversation.inboundByMessageId.set(key, entry);
    onInboundMessage(conversation, entry);
    return { conversation, entry };
  };

  const answer = (req: Request, payload: Json, conversation: Conversation): Json =>
    req.query.prefetchConversationId === 'true' ? { ...payload, conversationId: conversation.id } : payload;

  // ---- integrations ---------------------------------------------------------------------------------------------

  router.get(INTEGRATIONS, (req, res) => {
    const all = store.integrations.all();
    const pageSize = positiveInt(req.query.pageSize, 25);
    const pageNumber = positiveInt(req.query.pageNumber, 1);
    const pageCount = Math.max(1, Math.ceil(all.length / pageSize));
    const page = (n: number) => `/api/v2${INTEGRATIONS}?pageSize=${pageSize}&pageNumber=${n}`;
    res.json({
      entities: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
      pageSize,
      pageNumber,
      total: all.length,
      pageCount,
      firstUri: page(1),
      selfUri: page(pageNumber),
      lastUri: page(pageCount),
    });
  });

  router.post(INTEGRATIONS, (req, res) => {
    const { id: _ignored, ...fields } = bodyObject(req.body);
    res.json(store.integrations.create(fields));
  });

  router.get(`${INTEGRATIONS}/:integrationId`, (req, res) => {
    res.json(requireIntegration(req));
  });

  router.patch(`${INTEGRATIONS}/:integrationId`, (req, res) => {
    const { id: _ignored, ...fields } = bodyObject(req.body);
    res.json(store.integrations.update(req.params.integrationId, fields));
  });

  router.delete(`${INTEGRATIONS}/:integrationId`, (req, res) => {
    store.integrations.delete(req.params.integrationId);
    res.sendStatus(204);
  });

  // ---- inbound --------------------------------------------------------------------------------------------------

  router.post(`${INBOUND}/message`, (req, res) => {
    const integration = requireIntegration(req);
    const inbound = parseInboundMessage(req.body);
    const { conversation, entry } = threadCustomerInput(integration, inbound, (id) => ({
      id,
      channel: normalizedInboundChannel(integration.id, inbound, id),
      type: 'Text',
      ...(inbound.text !== undefined ? { text: inbound.text } : {}),
      content: inbound.attachments.map((attachment) => ({ contentType: 'Attachment', attachment })),
      direction: 'Inbound',
      ...(inbound.metadata ? { metadata: inbound.metadata } : {}),
    }));
    res.json(answer(req, entry.payload, conversation));
  });

  // "Send an inbound response for a structured message … This will be a part of an existing conversation": it needs
  // the open conversation whose Structured message it answers. Its answer has no conversationId.
  router.post(`${INBOUND}/structured/response`, (req, res) => {
    const integration = requireIntegration(req);
    const inbound = parseInboundButtonResponse(req.body);
    const open = store.threadFor(integration.id, inbound.customer.id);
    if (open?.state !== 'connected') throw GenesysApiError.badRequest('There is no open conversation for this sender');
    const original = open.log.find((e) => e.direction === 'Outbound' && e.id === inbound.originatingMessageId);
    if (checkOriginatingMessage && original?.type !== 'Structured') {
      throw GenesysApiError.badRequest('originatingMessageId must be the id of a Structured message of the conversation');
    }
    const { entry } = threadCustomerInput(integration, inbound, (id) => ({
      id,
      channel: normalizedInboundChannel(integration.id, inbound, id),
      type: 'Structured',
      content: [{ contentType: 'ButtonResponse', buttonResponse: inbound.buttonResponse }],
      direction: 'Inbound',
      originatingMessageId: inbound.originatingMessageId,
    }));
    res.json(entry.payload);
  });

  router.post(`${INBOUND}/event`, (req, res) => {
    const integration = requireIntegration(req);
    const inbound = parseInboundTyping(req.body);
    const id = newMessageId();
    const payload: Json = {
      id,
      channel: normalizedInboundChannel(integration.id, inbound, id),
      type: 'Event',
      events: inbound.events,
      direction: 'Inbound',
    };
    const conversation = store.threadFor(integration.id, inbound.customer.id);
    // Typing never opens a conversation; without an open one it is accepted and dropped.
    if (conversation?.state === 'connected') store.appendLog(conversation, { direction: 'Inbound', type: 'Event', id, payload });
    res.json(payload);
  });

  router.post(`${INBOUND}/receipt`, (req, res) => {
    const integration = requireIntegration(req);
    const receipt = parseInboundReceipt(req.body);
    const payload: Json = {
      id: receipt.id,
      channel: { id: integration.id, platform: 'Open', type: 'Private', to: receipt.to, time: receipt.time },
      type: 'Receipt',
      status: receipt.status,
      direction: 'Outbound',
      isFinalReceipt: receipt.isFinalReceipt,
      reasons: receipt.reasons,
    };
    const conversation = store.conversationOfOutboundMessage(receipt.id) ?? store.threadFor(integration.id, receipt.to.id);
    if (conversation) store.appendLog(conversation, { direction: 'Inbound', type: 'Receipt', id: receipt.id, payload });
    res.json(payload);
  });

  // ---- conversations --------------------------------------------------------------------------------------------

  router.get('/conversations/messages/:conversationId', (req, res) => {
    res.json(genesysConversation(requireConversation(req.params.conversationId)));
  });

  router.patch('/conversations/messages/:conversationId', (req, res) => {
    const conversation = requireConversation(req.params.conversationId);
    requireDisconnect(req.body);
    store.endConversation(conversation, 'system');
    res.sendStatus(202);
  });

  router.patch('/conversations/messages/:conversationId/participants/:participantId', (req, res) => {
    const conversation = requireConversation(req.params.conversationId);
    const participant = requireParticipant(conversation, req.params.participantId);
    requireDisconnect(req.body);
    // Unverified at Genesys (audit #16): a participant that is already gone is refused rather than accepted again.
    if (participant.state === 'disconnected') throw GenesysApiError.badRequest(`Participant ${participant.id} is already disconnected`);
    store.endConversation(conversation, ENDED_BY[participant.purpose]);
    res.sendStatus(202);
  });

  router.patch('/conversations/messages/:conversationId/participants/:participantId/attributes', (req, res) => {
    const conversation = requireConversation(req.params.conversationId);
    const participant = requireParticipant(conversation, req.params.participantId);
    const attributes = bodyObject(req.body).attributes;
    if (!isStringMap(attributes)) throw GenesysApiError.badRequest('attributes must map names to strings');
    Object.assign(participant.attributes, attributes);
    res.sendStatus(202);
  });

  return router;
}

/** `MessageConversation` as `GET /api/v2/conversations/messages/{id}` answers it. */
function genesysConversation(conversation: Conversation): Json {
  return {
    id: conversation.id,
    participants: conversation.participants.map((p) => genesysParticipant(conversation, p)),
    otherMediaUris: [],
    selfUri: `/api/v2/conversations/messages/${conversation.id}`,
  };
}

/** `MessageMediaParticipant`; `userId`/`queueId` are also given flat, as the generic conversation API does. */
function genesysParticipant(conversation: Conversation, p: Participant): Json {
  return {
    id: p.id,
    ...(p.name !== undefined ? { name: p.name } : {}),
    startTime: p.startTime,
    ...(p.connectedTime ? { connectedTime: p.connectedTime } : {}),
    ...(p.endTime ? { endTime: p.endTime } : {}),
    purpose: p.purpose,
    state: p.state,
    direction: 'inbound',
    ...(p.disconnectType ? { disconnectType: REST_DISCONNECT_TYPE[p.disconnectType] } : {}),
    held: false,
    wrapupRequired: p.purpose === 'agent',
    ...(p.userId ? { userId: p.userId, user: { id: p.userId, selfUri: `/api/v2/users/${p.userId}` } } : {}),
    ...(p.queueId ? { queueId: p.queueId, queue: { id: p.queueId, selfUri: `/api/v2/routing/queues/${p.queueId}` } } : {}),
    attributes: { ...p.attributes },
    ...(p.purpose === 'customer'
      ? { fromAddress: { addressNormalized: conversation.customer.id }, toAddress: { addressNormalized: conversation.integrationId } }
      : {}),
    type: 'Open',
    messages: [],
  };
}

function requireParticipant(conversation: Conversation, id: string): Participant {
  const participant = conversation.participants.find((p) => p.id === id);
  if (!participant) throw GenesysApiError.notFound(`Participant ${id} not found`);
  return participant;
}

function requireDisconnect(body: unknown): void {
  const state = bodyObject(body).state;
  if (typeof state !== 'string' || state.toLowerCase() !== 'disconnected') {
    throw GenesysApiError.badRequest('The emulator only supports {"state":"disconnected"}');
  }
}

function bodyObject(body: unknown): Json {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw GenesysApiError.badRequest();
  return body as Json;
}

function positiveInt(value: unknown, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
