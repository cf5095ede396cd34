import type { EndReason } from '../handover/domain/handover.model';
import type { DeliveryDirection } from '../handover/domain/handover-observer';

/**
 * The time-bucketed event records behind the reports. Each endpoint has one Redis list per hour (a *slice*) that
 * gets one short record whenever a handover event completes in that hour: requested, queued, answered, ended,
 * transferred, delivery failed. A record carries what its metrics need (the durations are computed when it is
 * written), so a report reads the slices of its interval and never the handover facts.
 *
 * A record is `<type><ms since the slice start>,<dimensions id>[,…]`:
 *   R…,d,<handoverId>[,1]   requested (`,1`: a re-handover)
 *   Q…,d                    queued
 *   A…,d,<answer ms>[,<queue wait ms>]   answered
 *   E…,d,<reason code>,<handle ms | empty>[,<wait ms>]   ended: handle time when it was answered, else the wait
 *   T…,d                    transferred
 *   F…,d,<b|a>              delivery failed, to the bot (b) or to the agent (a)
 * Never change a code: records already in Redis carry them.
 */
export const SLICE_MS = 3_600_000;

export const sliceOf = (ms: number): number => Math.floor(ms / SLICE_MS);

/** Two letters per end reason (records and facts); a new reason needs a new code. */
export const REASON_CODES: Record<EndReason, string> = {
  agent_ended: 'ag',
  customer_ended: 'cu',
  bot_released: 'bo',
  inactivity_timeout: 'in',
  queue_timeout: 'qt',
  admin_released: 'ad',
  provider_error: 'pe',
};
const REASON_OF = new Map(Object.entries(REASON_CODES).map(([reason, code]) => [code, reason as EndReason]));

export function reasonOfCode(code: string | undefined): EndReason | undefined {
  return code === undefined ? undefined : REASON_OF.get(code);
}

const DIRECTION_CODES: Record<DeliveryDirection, string> = { to_bot: 'b', to_agent: 'a' };

interface RecordBase {
  /** Epoch ms. */
  at: number;
  /** Id of the handover's dimensions within its endpoint (see ReportStore.dimensionsId). */
  dims: number;
}

export type HandoverRecord =
  | (RecordBase & { type: 'requested'; handoverId: string; reHandover: boolean })
  | (RecordBase & { type: 'queued' })
  | (RecordBase & { type: 'answered'; answerMs: number; queueWaitMs?: number })
  | (RecordBase & { type: 'ended'; reason: EndReason; handleMs?: number; waitMs?: number })
  | (RecordBase & { type: 'transferred' })
  | (RecordBase & { type: 'delivery_failed'; direction: DeliveryDirection });

const LETTER: Record<HandoverRecord['type'], string> = {
  requested: 'R',
  queued: 'Q',
  answered: 'A',
  ended: 'E',
  transferred: 'T',
  delivery_failed: 'F',
};

const int = (n: number | undefined): string => (n === undefined ? '' : String(Math.max(0, Math.round(n))));

export function encodeRecord(record: HandoverRecord): string {
  const head = `${LETTER[record.type]}${record.at - sliceOf(record.at) * SLICE_MS},${record.dims}`;
  switch (record.type) {
    case 'requested':
      return `${head},${record.handoverId}${record.reHandover ? ',1' : ''}`;
    case 'answered':
      return `${head},${int(record.answerMs)}${record.queueWaitMs === undefined ? '' : `,${int(record.queueWaitMs)}`}`;
    case 'ended':
      return `${head},${REASON_CODES[record.reason]},${int(record.handleMs)}${record.waitMs === undefined ? '' : `,${int(record.waitMs)}`}`;
    case 'delivery_failed':
      return `${head},${DIRECTION_CODES[record.direction]}`;
    default:
      return head;
  }
}

/** The non-negative integer in raw[from, to), or NaN (empty or not digits). Cheaper than split + Number per record. */
function digits(raw: string, from: number, to: number): number {
  if (to <= from) return NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = raw.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/** Reads the comma-separated fields of one record left to right, without splitting it. */
class Fields {
  private at = 1;
  constructor(private readonly raw: string) {}

  private end(): number {
    const comma = this.raw.indexOf(',', this.at);
    return comma < 0 ? this.raw.length : comma;
  }

  text(): string | undefined {
    if (this.at > this.raw.length) return undefined;
    const end = this.end();
    const value = this.raw.slice(this.at, end);
    this.at = end + 1;
    return value;
  }

  /** The next field as a number; undefined when it is empty or absent. */
  number(): number | undefined {
    if (this.at > this.raw.length) return undefined;
    const end = this.end();
    const value = digits(this.raw, this.at, end);
    this.at = end + 1;
    return Number.isNaN(value) ? undefined : value;
  }
}

/** The record, or undefined for one this version cannot read (skipped, never fatal). */
export function decodeRecord(raw: string, slice: number): HandoverRecord | undefined {
  const fields = new Fields(raw);
  const offset = fields.number();
  const dims = fields.number();
  if (offset === undefined || dims === undefined) return undefined;
  const at = slice * SLICE_MS + offset;
  switch (raw[0]) {
    case 'R': {
      const handoverId = fields.text();
      return handoverId ? { type: 'requested', at, dims, handoverId, reHandover: fields.text() === '1' } : undefined;
    }
    case 'Q':
      return { type: 'queued', at, dims };
    case 'A': {
      const answerMs = fields.number();
      return answerMs === undefined ? undefined : { type: 'answered', at, dims, answerMs, queueWaitMs: fields.number() };
    }
    case 'E': {
      const reason = reasonOfCode(fields.text());
      return reason ? { type: 'ended', at, dims, reason, handleMs: fields.number(), waitMs: fields.number() } : undefined;
    }
    case 'T':
      return { type: 'transferred', at, dims };
    case 'F':
      return { type: 'delivery_failed', at, dims, direction: fields.text() === 'a' ? 'to_agent' : 'to_bot' };
    default:
      return undefined;
  }
}

/** What a handover is grouped by (besides its endpoint). */
export interface Dimensions {
  provider: string;
  /** The sorted skills joined by `+` ('' without skills). */
  routingKey: string;
  language: string | null;
}

export const routingKeyOf = (skills: readonly string[]): string => [...new Set(skills)].sort().join('+');

/** The stable text of a dimensions tuple, as the registry keeps it. */
export const dimensionsText = (d: Dimensions): string => JSON.stringify([d.provider, d.routingKey, d.language]);

export function parseDimensions(text: string): Dimensions {
  const [provider, routingKey, language] = JSON.parse(text) as [string, string, string | null];
  return { provider, routingKey, language };
}
