import { Injectable, Logger } from '@nestjs/common';
import { MetricsService } from '../../../infrastructure/metrics/metrics.service';
import { RedisService } from '../../../infrastructure/redis/redis.service';
import { GENESYS_CLOUD_OPEN_MESSAGING } from '../genesys-cloud-settings';

/** Something Genesys answered for an endpoint that an operator must act on. */
export interface ProviderProblem {
  /** `subscription_rejected`, `channel_limit`. */
  code: string;
  message: string;
  since: string;
  lastSeen: string;
  details?: Record<string, unknown>;
}

/** A problem is shown for a day after it was last seen. */
const PROBLEM_TTL_SECONDS = 24 * 60 * 60;

/**
 * Problems Genesys reports for an endpoint (notification topics refused, no channel left), where an operator sees
 * them: one log line per endpoint and problem (again only after it cleared), a metric per occurrence, and a record in
 * Redis, shared by every process, that the endpoint's health (`GET /admin/v1/endpoints/:id/health`) shows.
 */
@Injectable()
export class ProviderProblems {
  private readonly logger = new Logger(ProviderProblems.name);
  private readonly logged = new Set<string>();
  /** When this process last cleared a problem it had not seen itself (another process may have reported it). */
  private readonly checked = new Map<string, number>();

  constructor(
    private readonly redis: RedisService,
    private readonly metrics: MetricsService,
  ) {}

  private key(endpointId: string): string {
    return this.redis.keys.providerProblems(endpointId);
  }

  async report(endpointId: string, code: string, message: string, details?: Record<string, unknown>): Promise<void> {
    this.metrics.providerProblems.inc({ endpoint: endpointId, provider: GENESYS_CLOUD_OPEN_MESSAGING, problem: code });
    const once = `${endpointId}|${code}`;
    if (!this.logged.has(once)) {
      this.logged.add(once);
      this.logger.error(`Endpoint ${endpointId}: ${message}`);
    }
    const key = this.key(endpointId);
    const now = new Date().toISOString();
    const previous = await this.redis.client.hget(key, code).catch(() => null);
    const since = previous ? ((JSON.parse(previous) as ProviderProblem).since ?? now) : now;
    const problem: ProviderProblem = { code, message, since, lastSeen: now, ...(details ? { details } : {}) };
    await this.redis.client.multi().hset(key, code, JSON.stringify(problem)).expire(key, PROBLEM_TTL_SECONDS).exec();
  }

  /** The problem is over (e.g. every topic permitted again): at once when this process saw it, else once a minute. */
  async clear(endpointId: string, code: string): Promise<void> {
    const once = `${endpointId}|${code}`;
    const seen = this.logged.delete(once);
    if (!seen && Date.now() - (this.checked.get(once) ?? 0) < 60_000) return;
    if (this.checked.size > 10_000) this.checked.clear();
    this.checked.set(once, Date.now());
    await this.redis.client.hdel(this.key(endpointId), code);
  }

  async problems(endpointId: string): Promise<ProviderProblem[]> {
    const raw = await this.redis.client.hgetall(this.key(endpointId));
    return Object.values(raw)
      .map((value) => JSON.parse(value) as ProviderProblem)
      .sort((a, b) => a.code.localeCompare(b.code));
  }
}
