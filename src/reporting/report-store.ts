import { createHash } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { RedisService } from '../infrastructure/redis/redis.service';
import { Dimensions, dimensionsText, encodeRecord, HandoverRecord, parseDimensions, SLICE_MS, sliceOf } from './handover-records';
import { defineScript } from '../infrastructure/redis/redis-script';

/** A re-handover is requested within this long after the same user's previous handover on the endpoint ended. */
export const RE_HANDOVER_WINDOW_MS = 24 * 3600 * 1000;

export const LIVE_STATES = ['requested', 'queued', 'active'] as const;
export type LiveState = (typeof LIVE_STATES)[number];

/**
 * The fields of a handover's fact hash (short names: there is one hash per handover for the whole retention).
 * Times are epoch ms, counters integers, `r` a reason code (handover-records.ts).
 */
export const FACT_FIELDS = {
  dims: 'd',
  sessionId: 's',
  priority: 'p',
  requestedAt: 'rq',
  submittedAt: 'sb',
  queuedAt: 'qu',
  answeredAt: 'an',
  firstAgentReplyAt: 'fr',
  endedAt: 'en',
  reason: 'r',
  userMessages: 'um',
  agentMessages: 'am',
  transfers: 'tr',
  deliveryFailures: 'df',
  previousHandoverId: 'ph',
} as const;
type FactField = keyof typeof FACT_FIELDS;
export type RawFact = Partial<Record<FactField, string>>;

/** The id of a dimensions text in an endpoint's registry, allocated the first time; refreshes the registry's TTL. */
const DIMENSIONS_ID = defineScript({
  name: 'report-dimensions-id',
  keys: ['registry'],
  args: ['text', 'ttlMs'],
  lua: `
local id = redis.call('HGET', K.registry, '=' .. A.text)
if not id then
  id = redis.call('HINCRBY', K.registry, '#', 1)
  redis.call('HSET', K.registry, '=' .. A.text, id, tostring(id), A.text)
end
redis.call('PEXPIRE', K.registry, A.ttlMs)
return tonumber(id)
`,
});

/**
 * Adds message counts to an existing fact (a handover requested before reporting was deployed has none) and keeps
 * the earliest first-agent-reply time ('' for none).
 */
const ADD_COUNTS = defineScript({
  name: 'report-add-counts',
  keys: ['fact'],
  args: ['userMessages', 'agentMessages', 'firstAgentReplyAt', 'ttlMs'],
  lua: `
if redis.call('EXISTS', K.fact) == 0 then return 0 end
if A.userMessages ~= '0' then redis.call('HINCRBY', K.fact, 'um', A.userMessages) end
if A.agentMessages ~= '0' then redis.call('HINCRBY', K.fact, 'am', A.agentMessages) end
if A.firstAgentReplyAt ~= '' then
  local current = redis.call('HGET', K.fact, 'fr')
  if (not current) or tonumber(A.firstAgentReplyAt) < tonumber(current) then redis.call('HSET', K.fact, 'fr', A.firstAgentReplyAt) end
end
redis.call('PEXPIRE', K.fact, A.ttlMs)
return 1
`,
});

export interface PendingCounts {
  userMessages: number;
  agentMessages: number;
  firstAgentReplyAt?: number;
}

/** What one event writes besides its record: fact fields, counter increments and the live-state move. */
export interface EventWrite {
  set?: Partial<Record<FactField, string | number>>;
  increment?: Partial<Record<FactField, number>>;
  /** Leaves these live states… */
  leave?: readonly LiveState[];
  /** …and enters this one. */
  enter?: LiveState;
  /** The handover ended: remember it as this user's last one, for the re-handover window. */
  lastOfUser?: string;
}

/** Lists are read in chunks of this many records, so that no single reply blocks Redis for long. */
const READ_CHUNK = 10_000;

/** The Redis side of the reports: handover facts, event slices, dimension registries and live sets. */
export class ReportStore {
  constructor(
    private readonly redis: RedisService,
    readonly retentionMs: number,
  ) {}

  private get client() {
    return this.redis.client;
  }

  private get keys() {
    return this.redis.keys;
  }

  /** One round trip for commands on several keys (each command on one key). */
  private batch(build: (pipeline: ChainableCommander) => void): Promise<unknown[]> {
    return this.redis.batch(build);
  }

  /** The endpoint's id for these dimensions (allocated on first use), and the previous handover of the user. */
  async prepareRequest(
    endpointId: string,
    userId: string,
    dimensions: Dimensions,
    requestedAt: number,
  ): Promise<{ dims: number; previousHandoverId?: string }> {
    // Both sent at once: one round trip.
    const [dims, last] = await Promise.all([
      this.redis.run(DIMENSIONS_ID, {
        keys: { registry: this.keys.reportDimensions(endpointId) },
        args: { text: dimensionsText(dimensions), ttlMs: this.retentionMs + SLICE_MS },
      }),
      this.client.get(this.keys.reportLastHandover(endpointId, userHash(userId))),
    ]);
    const [previousHandoverId, endedAt] = typeof last === 'string' ? last.split('|') : [];
    const within = previousHandoverId && requestedAt - Number(endedAt) <= RE_HANDOVER_WINDOW_MS;
    return { dims: Number(dims), previousHandoverId: within ? previousHandoverId : undefined };
  }

  /** Stores a new handover's facts and its `requested` record; returns what takes them back. */
  async recordRequest(
    endpointId: string,
    handoverId: string,
    fact: EventWrite['set'],
    record: HandoverRecord,
  ): Promise<() => Promise<void>> {
    const raw = encodeRecord(record);
    await this.batch((p) => {
      this.writeEvent(p, endpointId, handoverId, raw, record, { set: fact, enter: 'requested' });
      p.sadd(this.keys.reportEndpoints(), endpointId).pexpire(this.keys.reportEndpoints(), this.retentionMs);
    });
    const slice = this.keys.reportSlice(endpointId, sliceOf(record.at));
    return async () => {
      await this.batch((p) =>
        p.del(this.keys.reportFact(handoverId)).lrem(slice, -1, raw).srem(this.keys.reportLive(endpointId, 'requested'), handoverId),
      );
    };
  }

  /** Fact fields of one handover (undefined where absent). */
  async fact(handoverId: string, fields: readonly FactField[]): Promise<RawFact> {
    const values = await this.client.hmget(this.keys.reportFact(handoverId), ...fields.map((f) => FACT_FIELDS[f]));
    return Object.fromEntries(fields.flatMap((f, i) => (values[i] === null ? [] : [[f, values[i]]])));
  }

  /** Appends an event's record and applies its fact and live-state changes, in one round trip. */
  async recordEvent(endpointId: string, handoverId: string, record: HandoverRecord, write: EventWrite): Promise<void> {
    await this.batch((p) => this.writeEvent(p, endpointId, handoverId, encodeRecord(record), record, write));
  }

  /** Sets fact fields without a record (submittedAt): only fields not set yet. */
  async setFactOnce(handoverId: string, field: FactField, value: number): Promise<void> {
    const key = this.keys.reportFact(handoverId);
    await this.batch((p) => p.hsetnx(key, FACT_FIELDS[field], value).pexpire(key, this.retentionMs));
  }

  /** Adds buffered message counts to the facts, one script per handover, all sent at once. */
  async addCounts(counts: Map<string, PendingCounts>): Promise<void> {
    await Promise.all(
      [...counts].map(([handoverId, c]) =>
        this.redis.run(ADD_COUNTS, {
          keys: { fact: this.keys.reportFact(handoverId) },
          args: {
            userMessages: c.userMessages,
            agentMessages: c.agentMessages,
            firstAgentReplyAt: c.firstAgentReplyAt ?? '',
            ttlMs: this.retentionMs,
          },
        }),
      ),
    );
  }

  private writeEvent(
    p: ChainableCommander,
    endpointId: string,
    handoverId: string,
    raw: string,
    record: HandoverRecord,
    write: EventWrite,
  ): void {
    const fact = this.keys.reportFact(handoverId);
    const slice = this.keys.reportSlice(endpointId, sliceOf(record.at));
    const set = Object.entries(write.set ?? {}).filter(([, v]) => v !== undefined);
    if (set.length > 0) p.hset(fact, Object.fromEntries(set.map(([f, v]) => [FACT_FIELDS[f as FactField], String(v)])));
    for (const [f, by] of Object.entries(write.increment ?? {})) p.hincrby(fact, FACT_FIELDS[f as FactField], by);
    p.pexpire(fact, this.retentionMs);
    p.rpush(slice, raw).pexpireat(slice, (sliceOf(record.at) + 1) * SLICE_MS + this.retentionMs);
    // The registry must outlive every record that names one of its ids: refreshed with each request and each end.
    if (record.type === 'ended') p.pexpire(this.keys.reportDimensions(endpointId), this.retentionMs + SLICE_MS);
    for (const state of write.leave ?? []) p.srem(this.keys.reportLive(endpointId, state), handoverId);
    if (write.enter) {
      const live = this.keys.reportLive(endpointId, write.enter);
      p.sadd(live, handoverId).pexpire(live, this.retentionMs);
    }
    if (write.lastOfUser !== undefined) {
      p.set(
        this.keys.reportLastHandover(endpointId, userHash(write.lastOfUser)),
        `${handoverId}|${record.at}`,
        'PX',
        RE_HANDOVER_WINDOW_MS,
      );
    }
  }

  // ── reads ─────────────────────────────────────────────────────────────────────────────────────────────────

  async endpointIds(): Promise<string[]> {
    return (await this.client.smembers(this.keys.reportEndpoints())).sort();
  }

  /** An endpoint's dimensions registry: id → dimensions. */
  async dimensions(endpointId: string): Promise<Map<number, Dimensions>> {
    const raw = await this.client.hgetall(this.keys.reportDimensions(endpointId));
    const byId = new Map<number, Dimensions>();
    for (const [field, value] of Object.entries(raw)) {
      if (/^\d+$/.test(field)) byId.set(Number(field), parseDimensions(value));
    }
    return byId;
  }

  /** The raw records of each (endpoint, slice), in the order asked. */
  async readSlices(wanted: { endpointId: string; slice: number }[]): Promise<string[][]> {
    if (wanted.length === 0) return [];
    const lengths = (await this.batch((p) => {
      for (const w of wanted) p.llen(this.keys.reportSlice(w.endpointId, w.slice));
    })) as number[];
    const chunks: { index: number; start: number }[] = [];
    wanted.forEach((_, index) => {
      for (let start = 0; start < lengths[index]; start += READ_CHUNK) chunks.push({ index, start });
    });
    const out: string[][] = wanted.map(() => []);
    if (chunks.length === 0) return out;
    const replies = (await this.batch((p) => {
      for (const c of chunks)
        p.lrange(this.keys.reportSlice(wanted[c.index].endpointId, wanted[c.index].slice), c.start, c.start + READ_CHUNK - 1);
    })) as string[][];
    chunks.forEach((c, i) => {
      for (const raw of replies[i]) out[c.index].push(raw);
    });
    return out;
  }

  /** The facts of these handovers (null where expired). */
  async facts(handoverIds: string[]): Promise<(RawFact | null)[]> {
    if (handoverIds.length === 0) return [];
    const replies = (await this.batch((p) => {
      for (const id of handoverIds) p.hgetall(this.keys.reportFact(id));
    })) as Record<string, string>[];
    return replies.map((raw) => {
      if (!raw || Object.keys(raw).length === 0) return null;
      return Object.fromEntries(
        (Object.entries(FACT_FIELDS) as [FactField, string][]).flatMap(([name, short]) =>
          raw[short] === undefined ? [] : [[name, raw[short]]],
        ),
      );
    });
  }

  /** How many handovers of each endpoint are in each live state now. */
  async liveCounts(endpointIds: string[]): Promise<{ endpointId: string; counts: Record<LiveState, number> }[]> {
    if (endpointIds.length === 0) return [];
    const cards = (await this.batch((p) => {
      for (const id of endpointIds) for (const state of LIVE_STATES) p.scard(this.keys.reportLive(id, state));
    })) as number[];
    return endpointIds.map((endpointId, i) => ({
      endpointId,
      counts: Object.fromEntries(LIVE_STATES.map((state, j) => [state, cards[i * LIVE_STATES.length + j]])) as Record<LiveState, number>,
    }));
  }
}

/** A user id as report keys carry it: 96 bits of its SHA-256, so no raw user id is stored for the reports. */
function userHash(userId: string): string {
  return createHash('sha256').update(userId).digest('base64url').slice(0, 16);
}
