import { Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { MetricsService } from './metrics.service';

/** hc_http_requests_total and hc_http_request_duration_seconds, counted once each request is answered. */
@Injectable()
export class HttpMetrics {
  constructor(private readonly metrics: MetricsService) {}

  /** Adds the hook to every route of the server (before routes and plugins are added: configureApp). */
  register(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      // The route template (not the raw URL) keeps label cardinality bounded.
      const route = request.routeOptions.url ?? 'unmatched';
      const { method } = request;
      this.metrics.httpRequests.inc({ method, route, status: String(reply.statusCode) });
      this.metrics.httpDuration.observe({ method, route }, reply.elapsedTime / 1000);
      done();
    });
  }
}
