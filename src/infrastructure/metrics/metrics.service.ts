import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds to answer and queue waits (messaging: seconds to an hour). */
const WAIT_BUCKETS = [5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800, 3600];
/** Handle times (messaging conversations last minutes to a day). */
const HANDLE_BUCKETS = [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];

/** One row of the live-state gauge, as its source reads it at scrape time. */
export interface LiveStateCount {
  endpoint: string;
  provider: string;
  state: string;
  value: number;
}

/** One lane's local drains, as hc_local_drains reports them. */
export interface LocalDrainCount {
  lane: string;
  running: number;
  waiting: number;
}

/** One registry per application instance; every metric the connector exposes is declared here. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'hc_http_requests_total',
    help: 'HTTP requests answered, by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'hc_http_request_duration_seconds',
    help: 'HTTP request latency, by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly deliveries = new Counter({
    name: 'hc_deliveries_total',
    help: 'Relay attempts, by direction (to_bot, to_agent) and outcome (delivered, retried, dead_lettered, skipped)',
    labelNames: ['direction', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly handovers = new Counter({
    name: 'hc_handovers_total',
    help: 'Handover state transitions, by new state and end reason',
    labelNames: ['state', 'reason'] as const,
    registers: [this.registry],
  });

  readonly providerProblems = new Counter({
    name: 'hc_provider_problems_total',
    help:
      'Problems a contact center reported for an endpoint, by endpoint, provider and problem ' +
      '(subscription_rejected: notification topics refused, e.g. a missing permission; channel_limit: no notification channel left)',
    labelNames: ['endpoint', 'provider', 'problem'] as const,
    registers: [this.registry],
  });

  readonly notificationChannels = new Gauge({
    name: 'hc_genesys_notification_channels',
    help: 'Genesys notification channels this process holds, by OAuth client (Genesys keeps at most 20 per client)',
    labelNames: ['client'] as const,
    registers: [this.registry],
  });

  /** Read from the relay at scrape time (setLocalDrainsSource), not set on every delivery. */
  readonly localDrains: Gauge<'lane' | 'state'> = new Gauge({
    name: 'hc_local_drains',
    help:
      'Mailboxes this process drains itself without a BullMQ job, by lane and state ' +
      '(running; waiting: for a turn under WORKER_CONCURRENCY)',
    labelNames: ['lane', 'state'] as const,
    registers: [this.registry],
    collect: () => {
      for (const { lane, running, waiting } of this.localDrainCounts?.() ?? []) {
        this.localDrains.set({ lane, state: 'running' }, running);
        this.localDrains.set({ lane, state: 'waiting' }, waiting);
      }
    },
  });

  private localDrainCounts?: () => LocalDrainCount[];

  readonly leasesHeld = new Gauge({
    name: 'hc_leases_held',
    help: 'Fleet leases this process holds, by kind (notifications: endpoints whose Genesys notifications it owns; fleet-leader: 0 or 1)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  // Handover analytics (docs/reporting.md). Labels are bounded: endpoint ids and provider types are configuration,
  // never handover, user or conversation ids.

  readonly handoverRequests = this.perEndpointCounter(
    'hc_handover_requests_total',
    'Handovers requested (stored), by endpoint and provider',
  );

  readonly handoverOutcomes = this.perEndpointCounter(
    'hc_handover_outcomes_total',
    'Handovers ended, by endpoint, provider, phase (before_answer, after_answer) and end reason',
    ['phase', 'reason'],
  );

  readonly handoverTimeToAnswer = this.perEndpointHistogram(
    'hc_handover_time_to_answer_seconds',
    'Seconds from the handover request to the answer (agent joined, or first agent message where no join exists)',
    WAIT_BUCKETS,
  );

  readonly handoverQueueWait = this.perEndpointHistogram(
    'hc_handover_queue_wait_seconds',
    'Seconds from queued at the contact center to the answer',
    WAIT_BUCKETS,
  );

  readonly handoverAbandonWait = this.perEndpointHistogram(
    'hc_handover_abandon_wait_seconds',
    'Seconds from the request to the end, of handovers abandoned in the queue (ended by the customer or the bot before an answer)',
    WAIT_BUCKETS,
  );

  readonly handoverHandleTime = this.perEndpointHistogram(
    'hc_handover_handle_seconds',
    'Seconds from the answer to the end, of answered handovers (wall-clock conversation time)',
    HANDLE_BUCKETS,
  );

  readonly handoverTransfers = this.perEndpointCounter(
    'hc_handover_transfers_total',
    'Transfers from one agent to another during a handover',
  );

  readonly handoverReHandovers = this.perEndpointCounter(
    'hc_handover_rehandovers_total',
    'Handovers requested within 24 h after the same user’s previous handover on the endpoint ended',
  );

  readonly handoverDeliveryFailures = this.perEndpointCounter(
    'hc_handover_delivery_failures_total',
    'Relay entries dead-lettered and messages the provider reported undeliverable, by direction (to_bot, to_agent)',
    ['direction'],
  );

  /** Read from Redis at scrape time: the same fleet-wide value on every replica (aggregate with max, not sum). */
  readonly handoversInState: Gauge<'endpoint' | 'provider' | 'state'> = new Gauge({
    name: 'hc_handovers_in_state',
    help: 'Live handovers now, by endpoint, provider and state (requested, queued, active); fleet-wide, read from Redis',
    labelNames: ['endpoint', 'provider', 'state'] as const,
    registers: [this.registry],
    collect: () => this.collectLiveStates(),
  });

  private liveStates?: () => Promise<LiveStateCount[]>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where hc_local_drains reads its values (set by the relay's LocalDrains). */
  setLocalDrainsSource(source: () => LocalDrainCount[]): void {
    this.localDrainCounts = source;
  }

  /** Where hc_handovers_in_state reads its values (set by the reporting module). */
  setLiveStateSource(source: () => Promise<LiveStateCount[]>): void {
    this.liveStates = source;
  }

  private perEndpointCounter<L extends string = never>(
    name: string,
    help: string,
    extra: readonly L[] = [],
  ): Counter<'endpoint' | 'provider' | L> {
    return new Counter({ name, help, labelNames: ['endpoint', 'provider', ...extra], registers: [this.registry] });
  }

  private perEndpointHistogram(name: string, help: string, buckets: number[]): Histogram<'endpoint' | 'provider'> {
    return new Histogram({ name, help, labelNames: ['endpoint', 'provider'], buckets, registers: [this.registry] });
  }

  private async collectLiveStates(): Promise<void> {
    if (!this.liveStates) return;
    // A scrape while Redis is away keeps the last values rather than failing the whole scrape.
    const rows = await this.liveStates().catch(() => undefined);
    if (!rows) return;
    this.handoversInState.reset();
    for (const { value, ...labels } of rows) this.handoversInState.set(labels, value);
  }
}
