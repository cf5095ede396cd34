import type { DisconnectClass } from '../provider-events';

/**
 * Genesys `disconnectType`, every value of the detail-event enum (UPPER_SNAKE, as `user.end`, `customer.end` and
 * `acd.end` carry it; Python SDK `user_end_detail_event_topic_user_end_event.py`), each modelled on its own:
 *
 * - `transfer`: the leg ended but the conversation goes on, with another agent, a queue or a flow;
 * - `end`: the leg is over for good;
 * - `unknown`: the value does not say (INACTIVITY may disconnect or re-route; OTHER, UNKNOWN), or a value not listed.
 *
 * `unanswered` marks the values that end a leg which was alerted and never answered: the conversation is back in
 * the queue (help "Disconnect reasons": NO_ANSWER_TRANSFER is "a transfer after an alerting timeout").
 */
export const DISCONNECT_TYPES = {
  TRANSFER: { class: 'transfer' },
  CONSULT_TRANSFER: { class: 'transfer' },
  CONFERENCE_TRANSFER: { class: 'transfer' },
  FORWARD_TRANSFER: { class: 'transfer' },
  NO_ANSWER_TRANSFER: { class: 'transfer', unanswered: true },
  NOT_AVAILABLE_TRANSFER: { class: 'transfer', unanswered: true },
  DND_TRANSFER: { class: 'transfer', unanswered: true },
  TAKEOVER: { class: 'transfer' },
  CLIENT: { class: 'end' },
  PEER: { class: 'end' },
  ENDPOINT: { class: 'end' },
  DND_ENDPOINT: { class: 'end' },
  SYSTEM: { class: 'end' },
  ERROR: { class: 'end' },
  TRANSPORT_FAILURE: { class: 'end' },
  TIMEOUT: { class: 'end' },
  SPAM: { class: 'end' },
  UNCALLABLE: { class: 'end' },
  SESSION_EXPIRED: { class: 'end' },
  INACTIVITY: { class: 'unknown' },
  OTHER: { class: 'unknown' },
  UNKNOWN: { class: 'unknown' },
} as const satisfies Record<string, { class: DisconnectClass; unanswered?: true }>;

export type GenesysDisconnectType = keyof typeof DISCONNECT_TYPES;

/**
 * The other spellings Genesys uses for the same values, each listed exactly (nothing is lower-cased or guessed):
 * conversation topics and the REST participant (`transfer.noanswer`, `endpoint.donotdisturb`, …) and the analytics
 * API (`noAnswerTransfer`, `transferDnd`, …). Single words (`client`, `peer`, …) are the lower-case form of both.
 */
const ALIASES: Record<string, GenesysDisconnectType> = {
  transfer: 'TRANSFER',
  'transfer.consult': 'CONSULT_TRANSFER',
  consultTransfer: 'CONSULT_TRANSFER',
  'transfer.conference': 'CONFERENCE_TRANSFER',
  conferenceTransfer: 'CONFERENCE_TRANSFER',
  'transfer.forward': 'FORWARD_TRANSFER',
  forwardTransfer: 'FORWARD_TRANSFER',
  'transfer.noanswer': 'NO_ANSWER_TRANSFER',
  noAnswerTransfer: 'NO_ANSWER_TRANSFER',
  'transfer.notavailable': 'NOT_AVAILABLE_TRANSFER',
  notAvailableTransfer: 'NOT_AVAILABLE_TRANSFER',
  'transfer.dnd': 'DND_TRANSFER',
  'transfer.donotdisturb': 'DND_TRANSFER',
  transferDnd: 'DND_TRANSFER',
  dndTransfer: 'DND_TRANSFER',
  takeover: 'TAKEOVER',
  client: 'CLIENT',
  peer: 'PEER',
  endpoint: 'ENDPOINT',
  'endpoint.dnd': 'DND_ENDPOINT',
  'endpoint.donotdisturb': 'DND_ENDPOINT',
  endpointDnd: 'DND_ENDPOINT',
  dndEndpoint: 'DND_ENDPOINT',
  system: 'SYSTEM',
  error: 'ERROR',
  'transport.failure': 'TRANSPORT_FAILURE',
  transportFailure: 'TRANSPORT_FAILURE',
  timeout: 'TIMEOUT',
  spam: 'SPAM',
  uncallable: 'UNCALLABLE',
  'session.expired': 'SESSION_EXPIRED',
  sessionExpired: 'SESSION_EXPIRED',
  inactivity: 'INACTIVITY',
  other: 'OTHER',
  unknown: 'UNKNOWN',
};

export interface DisconnectReading {
  /** The canonical (detail-event) value, or the raw value as given when Genesys sent one this table does not know. */
  type: string;
  class: DisconnectClass;
  unanswered: boolean;
  /** False for a value not in the table (worth a log line: Genesys adds values, e.g. TAKEOVER, SESSION_EXPIRED). */
  known: boolean;
}

/** Reads a `disconnectType` in any of Genesys's spellings. */
export function readDisconnectType(raw: string): DisconnectReading {
  const type: GenesysDisconnectType | undefined = Object.hasOwn(DISCONNECT_TYPES, raw)
    ? (raw as GenesysDisconnectType)
    : Object.hasOwn(ALIASES, raw)
      ? ALIASES[raw]
      : undefined;
  if (!type) return { type: raw, class: 'unknown', unanswered: false, known: false };
  const model: { class: DisconnectClass; unanswered?: true } = DISCONNECT_TYPES[type];
  return { type, class: model.class, unanswered: model.unanswered === true, known: true };
}
