import { END_REASONS, type EndReason } from '../handover/domain/handover.model';
import type { Dimensions, HandoverRecord } from './handover-records';

export const GROUP_DIMENSIONS = ['endpointId', 'provider', 'routingKey', 'language'] as const;
export type GroupDimension = (typeof GROUP_DIMENSIONS)[number];

export const GRANULARITY_MS = { PT15M: 15 * 60_000, PT1H: 3_600_000, P1D: 86_400_000 } as const;
export type Granularity = keyof typeof GRANULARITY_MS;

/** Ended by the customer or the bot before an answer: abandoned in the queue. */
export const ABANDON_REASONS: ReadonlySet<EndReason> = new Set(['customer_ended', 'bot_released']);

export const DEFAULT_SERVICE_LEVEL_SECONDS = 60;

export interface ReportQuery {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  endpointId?: string;
  groupBy: GroupDimension[];
  granularity: Granularity | null;
}

export interface Distribution {
  count: number;
  p50: number | null;
  p90: number | null;
  max: number | null;
}

export interface ServiceLevel {
  /** null when the group mixes endpoints with different thresholds. */
  thresholdSeconds: number | null;
  numerator: number;
  denominator: number;
  ratio: number | null;
}

export interface IntervalMetrics {
  nRequested: number;
  nQueued: number;
  nAnswered: number;
  nAbandonedInQueue: number;
  nQueueTimeout: number;
  nTransfers: number;
  nReHandover: number;
  nDeliveryFailures: number;
  endReasons: Partial<Record<EndReason, number>>;
  tAnswerSeconds: Distribution;
  tQueueWaitSeconds: Distribution;
  tHandleSeconds: Distribution;
  serviceLevel: ServiceLevel;
}

export type GroupValues = Partial<Record<GroupDimension, string | null>>;

export interface ReportGroup {
  group: GroupValues;
  data: { interval: string; metrics: IntervalMetrics }[];
}

export interface HandoverReport {
  from: string;
  to: string;
  granularity: Granularity | null;
  groups: ReportGroup[];
}

/** The value at percentile `p` by nearest rank (the ⌈p/100·n⌉-th smallest) of ascending `sorted`. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.round(ms) / 1000);

function distribution(valuesMs: number[]): Distribution {
  const sorted = Float64Array.from(valuesMs).sort();
  return {
    count: sorted.length,
    p50: seconds(nearestRank(sorted, 50)),
    p90: seconds(nearestRank(sorted, 90)),
    max: seconds(sorted.length ? sorted[sorted.length - 1] : null),
  };
}

/** The intervals of a query: from `from` in steps of the granularity, the last one cut at `to` (one without granularity). */
export function intervalsOf(query: Pick<ReportQuery, 'from' | 'to' | 'granularity'>): { start: number; end: number }[] {
  if (!query.granularity) return [{ start: query.from, end: query.to }];
  const step = GRANULARITY_MS[query.granularity];
  const out: { start: number; end: number }[] = [];
  for (let start = query.from; start < query.to; start += step) out.push({ start, end: Math.min(start + step, query.to) });
  return out;
}

class Bucket {
  nRequested = 0;
  nQueued = 0;
  nAnswered = 0;
  nAbandonedInQueue = 0;
  nQueueTimeout = 0;
  nTransfers = 0;
  nReHandover = 0;
  nDeliveryFailures = 0;
  readonly endReasons = new Map<EndReason, number>();
  readonly answerMs: number[] = [];
  readonly queueWaitMs: number[] = [];
  readonly handleMs: number[] = [];
  slNumerator = 0;
  slDenominator = 0;

  metrics(thresholdSeconds: number | null): IntervalMetrics {
    return {
      nRequested: this.nRequested,
      nQueued: this.nQueued,
      nAnswered: this.nAnswered,
      nAbandonedInQueue: this.nAbandonedInQueue,
      nQueueTimeout: this.nQueueTimeout,
      nTransfers: this.nTransfers,
      nReHandover: this.nReHandover,
      nDeliveryFailures: this.nDeliveryFailures,
      endReasons: Object.fromEntries(END_REASONS.filter((r) => this.endReasons.has(r)).map((r) => [r, this.endReasons.get(r)!])),
      tAnswerSeconds: distribution(this.answerMs),
      tQueueWaitSeconds: distribution(this.queueWaitMs),
      tHandleSeconds: distribution(this.handleMs),
      serviceLevel: {
        thresholdSeconds,
        numerator: this.slNumerator,
        denominator: this.slDenominator,
        ratio: this.slDenominator === 0 ? null : Math.round((this.slNumerator / this.slDenominator) * 1000) / 1000,
      },
    };
  }
}

interface GroupState {
  values: GroupValues;
  buckets: Map<number, Bucket>;
  thresholds: Set<number>;
}

/**
 * Folds event records into the report of one query (event-time attribution: each record counts in the interval
 * where its event happened). Records outside [from, to) are ignored, so whole slices can be fed.
 */
export class ReportBuilder {
  private readonly intervals: { start: number; end: number }[];
  private readonly step: number;
  private readonly groups = new Map<string, GroupState>();
  /** The group of each (endpoint, dimensions) seen, so that a record finds its group without building a key. */
  private readonly groupOfDimensions = new Map<string, Map<Dimensions | undefined, GroupState>>();

  /** `scopeThresholds`: the service-level threshold (s) of every endpoint in the query's scope. */
  constructor(
    private readonly query: ReportQuery,
    private readonly scopeThresholds: readonly number[],
  ) {
    this.intervals = intervalsOf(query);
    this.step = query.granularity ? GRANULARITY_MS[query.granularity] : Number.POSITIVE_INFINITY;
  }

  add(endpointId: string, dimensions: Dimensions | undefined, record: HandoverRecord, thresholdSeconds: number): void {
    if (record.at < this.query.from || record.at >= this.query.to) return;
    const bucket = this.bucket(this.groupOf(endpointId, dimensions, thresholdSeconds), record.at);
    const thresholdMs = thresholdSeconds * 1000;
    switch (record.type) {
      case 'requested':
        bucket.nRequested++;
        if (record.reHandover) bucket.nReHandover++;
        break;
      case 'queued':
        bucket.nQueued++;
        break;
      case 'answered':
        bucket.nAnswered++;
        bucket.answerMs.push(record.answerMs);
        if (record.queueWaitMs !== undefined) bucket.queueWaitMs.push(record.queueWaitMs);
        bucket.slDenominator++;
        if (record.answerMs <= thresholdMs) bucket.slNumerator++;
        break;
      case 'ended': {
        bucket.endReasons.set(record.reason, (bucket.endReasons.get(record.reason) ?? 0) + 1);
        const answered = record.handleMs !== undefined;
        if (answered) bucket.handleMs.push(record.handleMs!);
        if (!answered && record.reason === 'queue_timeout') bucket.nQueueTimeout++;
        if (!answered && ABANDON_REASONS.has(record.reason)) {
          bucket.nAbandonedInQueue++;
          if ((record.waitMs ?? 0) > thresholdMs) bucket.slDenominator++;
        }
        break;
      }
      case 'transferred':
        bucket.nTransfers++;
        break;
      case 'delivery_failed':
        bucket.nDeliveryFailures++;
        break;
    }
  }

  build(): HandoverReport {
    if (this.query.groupBy.length === 0 && this.groups.size === 0)
      this.groups.set('[]', { values: {}, buckets: new Map(), thresholds: new Set() });
    const groups = [...this.groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
    return {
      from: new Date(this.query.from).toISOString(),
      to: new Date(this.query.to).toISOString(),
      granularity: this.query.granularity,
      groups: groups.map((g) => {
        const threshold = this.thresholdOf(g);
        return {
          group: g.values,
          data: this.intervals.map((interval, i) => ({
            interval: `${new Date(interval.start).toISOString()}/${new Date(interval.end).toISOString()}`,
            metrics: (g.buckets.get(i) ?? new Bucket()).metrics(threshold),
          })),
        };
      }),
    };
  }

  /** The group's endpoints' threshold (or, for a group without records, its scope's); null when they differ. */
  private thresholdOf(group: GroupState): number | null {
    const thresholds = group.thresholds.size > 0 ? group.thresholds : new Set(this.scopeThresholds);
    if (thresholds.size === 0) return DEFAULT_SERVICE_LEVEL_SECONDS;
    return thresholds.size === 1 ? [...thresholds][0] : null;
  }

  private groupOf(endpointId: string, dimensions: Dimensions | undefined, thresholdSeconds: number): GroupState {
    let ofEndpoint = this.groupOfDimensions.get(endpointId);
    if (!ofEndpoint) {
      ofEndpoint = new Map();
      this.groupOfDimensions.set(endpointId, ofEndpoint);
    }
    let group = ofEndpoint.get(dimensions);
    if (!group) {
      group = this.findGroup(endpointId, dimensions);
      ofEndpoint.set(dimensions, group);
    }
    group.thresholds.add(thresholdSeconds);
    return group;
  }

  private findGroup(endpointId: string, dimensions: Dimensions | undefined): GroupState {
    const all: Record<GroupDimension, string | null> = {
      endpointId,
      provider: dimensions?.provider ?? null,
      routingKey: dimensions?.routingKey ?? null,
      language: dimensions?.language ?? null,
    };
    const values = Object.fromEntries(this.query.groupBy.map((d) => [d, all[d]])) as GroupValues;
    const key = JSON.stringify(this.query.groupBy.map((d) => all[d]));
    let group = this.groups.get(key);
    if (!group) {
      group = { values, buckets: new Map(), thresholds: new Set() };
      this.groups.set(key, group);
    }
    return group;
  }

  private bucket(group: GroupState, at: number): Bucket {
    const index = Number.isFinite(this.step) ? Math.floor((at - this.query.from) / this.step) : 0;
    let bucket = group.buckets.get(index);
    if (!bucket) {
      bucket = new Bucket();
      group.buckets.set(index, bucket);
    }
    return bucket;
  }
}
