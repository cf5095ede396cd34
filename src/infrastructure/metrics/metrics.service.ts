import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

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

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
