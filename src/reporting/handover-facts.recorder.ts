import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { RoutingData } from '../contact-center/contact-center-provider';
import type { Endpoint } from '../endpoints/endpoint.model';
import { EndpointsService } from '../endpoints/endpoints.service';
import type { EndReason, Handover } from '../handover/domain/handover.model';
import { DeliveryDirection, HandoverObserver, HandoverRef, MessageAuthor, PendingRequest } from '../handover/domain/handover-observer';
import { LruCache } from '../infrastructure/lru-cache';
import { LiveStateCount, MetricsService } from '../infrastructure/metrics/metrics.service';
import { HandoverRecord, REASON_CODES, routingKeyOf } from './handover-records';
import { ABANDON_REASONS } from './report-aggregate';
import { EventWrite, LIVE_STATES, PendingCounts, RawFact, ReportStore } from './report-store';

/** How often the message counts gathered in this process are added to the facts. */
export const COUNTS_FLUSH_MS = 1000;

/**
 * Records the facts of every handover (HandoverObserver): one fact hash per handover, one record per event in the
 * endpoint's hourly slice, the live-state sets, and the Prometheus series at the same points, so the two views
 * agree. Transitions write at once (a couple of round trips per transition, never per message); message counts
 * are gathered in memory and added every COUNTS_FLUSH_MS, so the relay's hot path does no extra Redis call.
 */
@Injectable()
export class HandoverFactsRecorder extends HandoverObserver implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HandoverFactsRecorder.name);
  private pending = new Map<string, PendingCounts>();
  /** Handovers whose first agent reply this process has written (later replies cannot be earlier). */
  private readonly replyWritten = new LruCache<string, true>(50_000);
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly store: ReportStore,
    private readonly endpoints: EndpointsService,
    private readonly metrics: MetricsService,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), COUNTS_FLUSH_MS);
    this.timer.unref();
    this.metrics.setLiveStateSource(() => this.liveStates());
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  async requested(endpoint: Endpoint, handover: Handover, routing: RoutingData): Promise<PendingRequest> {
    const at = Date.parse(handover.createdAt);
    const provider = endpoint.provider.type;
    const { dims, previousHandoverId } = await this.store.prepareRequest(
      endpoint.id,
      handover.userId,
      { provider, routingKey: routingKeyOf(routing.skills), language: routing.language ?? null },
      at,
    );
    const withdraw = await this.store.recordRequest(
      endpoint.id,
      handover.id,
      { dims, sessionId: handover.sessionId, priority: routing.priority, requestedAt: at, previousHandoverId },
      { type: 'requested', at, dims, handoverId: handover.id, reHandover: previousHandoverId !== undefined },
    );
    return {
      accepted: () => {
        const labels = { endpoint: endpoint.id, provider };
        this.metrics.handoverRequests.inc(labels);
        if (previousHandoverId) this.metrics.handoverReHandovers.inc(labels);
      },
      withdraw,
    };
  }

  async submitted(handover: HandoverRef, at: string): Promise<void> {
    await this.store.setFactOnce(handover.id, 'submittedAt', Date.parse(at));
  }

  async queued(handover: HandoverRef, at: string): Promise<void> {
    const ms = Date.parse(at);
    await this.event(handover, ['dims'], () => ({
      record: { type: 'queued', at: ms },
      write: { set: { queuedAt: ms }, leave: ['requested'], enter: 'queued' },
    }));
  }

  async answered(handover: HandoverRef, at: string): Promise<void> {
    const ms = Date.parse(at);
    const fact = await this.event(handover, ['dims', 'requestedAt', 'queuedAt'], (f) => ({
      record: {
        type: 'answered',
        at: ms,
        answerMs: ms - Number(f.requestedAt),
        queueWaitMs: f.queuedAt ? ms - Number(f.queuedAt) : undefined,
      },
      write: { set: { answeredAt: ms }, leave: ['requested', 'queued'], enter: 'active' },
    }));
    const labels = await this.labels(handover.endpointId);
    if (fact?.requestedAt) this.metrics.handoverTimeToAnswer.observe(labels, (ms - Number(fact.requestedAt)) / 1000);
    if (fact?.queuedAt) this.metrics.handoverQueueWait.observe(labels, (ms - Number(fact.queuedAt)) / 1000);
  }

  async transferred(handover: HandoverRef, at: string): Promise<void> {
    const ms = Date.parse(at);
    await this.event(handover, ['dims'], () => ({ record: { type: 'transferred', at: ms }, write: { increment: { transfers: 1 } } }));
    this.metrics.handoverTransfers.inc(await this.labels(handover.endpointId));
  }

  async deliveryFailed(handover: HandoverRef, direction: DeliveryDirection, at: string): Promise<void> {
    const ms = Date.parse(at);
    await this.event(handover, ['dims'], () => ({
      record: { type: 'delivery_failed', at: ms, direction },
      write: { increment: { deliveryFailures: 1 } },
    }));
    this.metrics.handoverDeliveryFailures.inc({ ...(await this.labels(handover.endpointId)), direction });
  }

  async ended(handover: HandoverRef, reason: EndReason, at: string): Promise<void> {
    const ms = Date.parse(at);
    const fact = await this.event(handover, ['dims', 'requestedAt', 'answeredAt'], (f) => ({
      record: {
        type: 'ended',
        at: ms,
        reason,
        handleMs: f.answeredAt ? ms - Number(f.answeredAt) : undefined,
        waitMs: f.answeredAt ? undefined : ms - Number(f.requestedAt),
      },
      write: { set: { endedAt: ms, reason: REASON_CODES[reason] }, leave: LIVE_STATES, lastOfUser: handover.userId },
    }));
    const labels = await this.labels(handover.endpointId);
    this.metrics.handoverOutcomes.inc({ ...labels, phase: fact?.answeredAt ? 'after_answer' : 'before_answer', reason });
    if (fact?.answeredAt) this.metrics.handoverHandleTime.observe(labels, (ms - Number(fact.answeredAt)) / 1000);
    else if (fact?.requestedAt && ABANDON_REASONS.has(reason))
      this.metrics.handoverAbandonWait.observe(labels, (ms - Number(fact.requestedAt)) / 1000);
  }

  message(handover: HandoverRef, author: MessageAuthor, at: string): void {
    let counts = this.pending.get(handover.id);
    if (!counts) {
      counts = { userMessages: 0, agentMessages: 0 };
      this.pending.set(handover.id, counts);
    }
    if (author === 'user') {
      counts.userMessages++;
      return;
    }
    counts.agentMessages++;
    if (author === 'agent' && !this.replyWritten.get(handover.id)) {
      const ms = Date.parse(at);
      counts.firstAgentReplyAt = Math.min(counts.firstAgentReplyAt ?? ms, ms);
    }
  }

  /** Adds the message counts gathered so far to the facts (also before a details read, so this process's are in). */
  flush(): Promise<void> {
    this.flushing ??= this.flushPending().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushPending(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.store.addCounts(batch);
      for (const [id, counts] of batch) if (counts.firstAgentReplyAt !== undefined) this.replyWritten.set(id, true);
    } catch (err) {
      // Kept for the next flush (Redis may be back by then).
      for (const [id, counts] of batch) this.keepForLater(id, counts);
      this.logger.warn(`Adding message counts failed: ${(err as Error).message}`);
    }
  }

  private keepForLater(id: string, counts: PendingCounts): void {
    const current = this.pending.get(id);
    if (!current) {
      this.pending.set(id, counts);
      return;
    }
    current.userMessages += counts.userMessages;
    current.agentMessages += counts.agentMessages;
    if (counts.firstAgentReplyAt !== undefined) {
      current.firstAgentReplyAt = Math.min(current.firstAgentReplyAt ?? counts.firstAgentReplyAt, counts.firstAgentReplyAt);
    }
  }

  /**
   * Reads the fact fields an event needs and writes its record. A handover without a fact (requested before
   * reporting was deployed, or its facts expired) is not recorded; answers the fields read.
   */
  private async event(
    handover: HandoverRef,
    fields: Parameters<ReportStore['fact']>[1],
    build: (fact: RawFact) => { record: DistributiveOmit<HandoverRecord, 'dims'>; write: EventWrite },
  ): Promise<RawFact | undefined> {
    const fact = await this.store.fact(handover.id, fields);
    if (fact.dims === undefined || (fields.includes('requestedAt') && fact.requestedAt === undefined)) {
      this.logger.debug(`No facts for handover ${handover.id}: not recorded`);
      return undefined;
    }
    const { record, write } = build(fact);
    await this.store.recordEvent(handover.endpointId, handover.id, { ...record, dims: Number(fact.dims) } as HandoverRecord, write);
    return fact;
  }

  private async labels(endpointId: string): Promise<{ endpoint: string; provider: string }> {
    const endpoint = await this.endpoints.find(endpointId).catch(() => undefined);
    return { endpoint: endpointId, provider: endpoint?.provider.type ?? 'unknown' };
  }

  /** The rows of hc_handovers_in_state. */
  private async liveStates(): Promise<LiveStateCount[]> {
    const live = await this.store.liveCounts(await this.store.endpointIds());
    const rows: LiveStateCount[] = [];
    for (const { endpointId, counts } of live) {
      const labels = await this.labels(endpointId);
      for (const state of LIVE_STATES) rows.push({ ...labels, state, value: counts[state] });
    }
    return rows;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
