import { Injectable, NotFoundException } from '@nestjs/common';
import { EndpointsService } from '../endpoints/endpoints.service';
import type { EndReason } from '../handover/domain/handover.model';
import { HandoverFactsRecorder } from './handover-facts.recorder';
import { decodeRecord, Dimensions, HandoverRecord, reasonOfCode, sliceOf } from './handover-records';
import { DEFAULT_SERVICE_LEVEL_SECONDS, HandoverReport, ReportBuilder, ReportQuery } from './report-aggregate';
import { DetailsCursor, encodeCursor } from './report-query';
import { LIVE_STATES, LiveState, RawFact, ReportStore } from './report-store';

/** Slices read per round trip (one day of one endpoint). */
const SLICES_PER_READ = 24;

/** One handover, as `/reports/handovers/details` lists it: dimensions, timestamps, reason, counters; never text. */
export interface HandoverDetail {
  handoverId: string;
  endpointId: string;
  sessionId: string | null;
  provider: string | null;
  routingKey: string | null;
  language: string | null;
  priority: number | null;
  requestedAt: string;
  submittedAt: string | null;
  queuedAt: string | null;
  answeredAt: string | null;
  firstAgentReplyAt: string | null;
  endedAt: string | null;
  reason: EndReason | null;
  transfers: number;
  userMessages: number;
  agentMessages: number;
  deliveryFailures: number;
  previousHandoverId: string | null;
}

export const DETAIL_COLUMNS: readonly (keyof HandoverDetail)[] = [
  'handoverId',
  'endpointId',
  'sessionId',
  'provider',
  'routingKey',
  'language',
  'priority',
  'requestedAt',
  'submittedAt',
  'queuedAt',
  'answeredAt',
  'firstAgentReplyAt',
  'endedAt',
  'reason',
  'transfers',
  'userMessages',
  'agentMessages',
  'deliveryFailures',
  'previousHandoverId',
];

export interface LiveHandovers {
  time: string;
  endpoints: ({ endpointId: string; provider: string | null } & Record<LiveState, number>)[];
  totals: Record<LiveState, number>;
}

type RequestedRecord = Extract<HandoverRecord, { type: 'requested' }>;

/** Answers the reports API from what HandoverFactsRecorder stored. */
@Injectable()
export class ReportsService {
  constructor(
    private readonly store: ReportStore,
    private readonly endpoints: EndpointsService,
    private readonly recorder: HandoverFactsRecorder,
  ) {}

  async report(query: ReportQuery): Promise<HandoverReport> {
    const endpointIds = await this.scope(query.endpointId);
    const thresholds = await this.thresholds(endpointIds);
    const builder = new ReportBuilder(query, [...thresholds.values()]);
    for (const endpointId of endpointIds) {
      const dimensions = await this.store.dimensions(endpointId);
      const threshold = thresholds.get(endpointId)!;
      await this.eachRecord(endpointId, sliceOf(query.from), sliceOf(query.to - 1), (record) =>
        builder.add(endpointId, dimensions.get(record.dims), record, threshold),
      );
    }
    return builder.build();
  }

  /** One row per handover requested in [from, to), oldest first, `limit` per page. */
  async details(
    filter: { from: number; to: number; endpointId?: string },
    limit: number,
    cursor: DetailsCursor | undefined,
  ): Promise<{ items: HandoverDetail[]; nextCursor: string | null }> {
    await this.recorder.flush();
    const endpointIds = await this.scope(filter.endpointId);
    const after = (r: { at: number; handoverId: string }) =>
      !cursor || r.at > cursor.at || (r.at === cursor.at && r.handoverId > cursor.handoverId);
    const found: { endpointId: string; record: RequestedRecord }[] = [];
    const last = sliceOf(filter.to - 1);
    // An hour at first, then twice as many hours each time a read found too few rows (sparse data), up to a day.
    let first = sliceOf(Math.max(filter.from, cursor?.at ?? filter.from));
    for (let span = 1; first <= last && found.length <= limit; first += span, span = Math.min(SLICES_PER_READ, span * 2)) {
      const upTo = Math.min(last, first + span - 1);
      for (const endpointId of endpointIds) {
        await this.eachRecord(endpointId, first, upTo, (record) => {
          if (record.type === 'requested' && record.at >= filter.from && record.at < filter.to && after(record))
            found.push({ endpointId, record });
        });
      }
    }
    found.sort((a, b) => a.record.at - b.record.at || (a.record.handoverId < b.record.handoverId ? -1 : 1));
    const page = found.slice(0, limit);
    const facts = await this.store.facts(page.map((p) => p.record.handoverId));
    const dimensions = new Map<string, Map<number, Dimensions>>();
    for (const endpointId of new Set(page.map((p) => p.endpointId))) dimensions.set(endpointId, await this.store.dimensions(endpointId));
    const items = page.map((p, i) => detailOf(p.endpointId, p.record, dimensions.get(p.endpointId)?.get(p.record.dims), facts[i]));
    const lastRow = page.at(-1);
    return { items, nextCursor: found.length > limit && lastRow ? encodeCursor(lastRow.record) : null };
  }

  /** Handovers live now, per endpoint and state (fleet-wide: read from Redis). */
  async live(): Promise<LiveHandovers> {
    const rows = await this.store.liveCounts(await this.store.endpointIds());
    const totals = Object.fromEntries(LIVE_STATES.map((s) => [s, 0])) as Record<LiveState, number>;
    const endpoints: LiveHandovers['endpoints'] = [];
    for (const { endpointId, counts } of rows) {
      for (const s of LIVE_STATES) totals[s] += counts[s];
      const endpoint = await this.endpoints.find(endpointId);
      endpoints.push({ endpointId, provider: endpoint?.provider.type ?? null, ...counts });
    }
    return { time: new Date().toISOString(), endpoints, totals };
  }

  /** The endpoints a query covers: one (404 unless it is configured or has report data), or all with data. */
  private async scope(endpointId: string | undefined): Promise<string[]> {
    const withData = await this.store.endpointIds();
    if (!endpointId) return withData;
    if (withData.includes(endpointId) || (await this.endpoints.find(endpointId))) return [endpointId];
    throw new NotFoundException(`Endpoint ${endpointId} not found`);
  }

  private async thresholds(endpointIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const id of endpointIds) {
      const endpoint = await this.endpoints.find(id);
      out.set(id, endpoint?.handoverDefaults.serviceLevelSeconds ?? DEFAULT_SERVICE_LEVEL_SECONDS);
    }
    return out;
  }

  /** Feeds every record of the endpoint's slices first..last (inclusive), a day of slices per round trip. */
  private async eachRecord(endpointId: string, first: number, last: number, visit: (record: HandoverRecord) => void): Promise<void> {
    for (let start = first; start <= last; start += SLICES_PER_READ) {
      const slices = Array.from({ length: Math.min(SLICES_PER_READ, last - start + 1) }, (_, i) => start + i);
      const raws = await this.store.readSlices(slices.map((slice) => ({ endpointId, slice })));
      raws.forEach((list, i) => {
        for (const raw of list) {
          const record = decodeRecord(raw, slices[i]);
          if (record) visit(record);
        }
      });
    }
  }
}

const iso = (ms: string | undefined): string | null => (ms ? new Date(Number(ms)).toISOString() : null);
const count = (n: string | undefined): number => (n ? Number(n) : 0);

function detailOf(endpointId: string, record: RequestedRecord, dimensions: Dimensions | undefined, fact: RawFact | null): HandoverDetail {
  const f = fact ?? {};
  return {
    handoverId: record.handoverId,
    endpointId,
    sessionId: f.sessionId ?? null,
    provider: dimensions?.provider ?? null,
    routingKey: dimensions?.routingKey ?? null,
    language: dimensions?.language ?? null,
    priority: f.priority ? Number(f.priority) : null,
    requestedAt: new Date(record.at).toISOString(),
    submittedAt: iso(f.submittedAt),
    queuedAt: iso(f.queuedAt),
    answeredAt: iso(f.answeredAt),
    firstAgentReplyAt: iso(f.firstAgentReplyAt),
    endedAt: iso(f.endedAt),
    reason: reasonOfCode(f.reason) ?? null,
    transfers: count(f.transfers),
    userMessages: count(f.userMessages),
    agentMessages: count(f.agentMessages),
    deliveryFailures: count(f.deliveryFailures),
    previousHandoverId: f.previousHandoverId ?? null,
  };
}
