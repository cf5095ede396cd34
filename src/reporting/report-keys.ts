import type { RedisService } from '../infrastructure/redis/redis.service';

/**
 * Every Redis key of the reports, `<prefix>:report:…`, in one place. Each key is read and written by single-key
 * commands and one-key scripts only, so the layout needs no hash tags on a Redis Cluster.
 */
export class ReportKeys {
  constructor(private readonly redis: RedisService) {}

  /** Hash: one handover's facts (see FACT_FIELDS). Expires REPORT_RETENTION_DAYS after its last write. */
  fact(handoverId: string): string {
    return this.redis.key('report', 'fact', handoverId);
  }

  /** List: one endpoint's event records of one hour (handover-records.ts). Expires the retention after the hour ends. */
  slice(endpointId: string, slice: number): string {
    return this.redis.key('report', 'ev', endpointId, slice);
  }

  /** Hash: an endpoint's dimensions registry (`=<text>` → id, `<id>` → text, `#` the last id). Expires with its last use. */
  dimensions(endpointId: string): string {
    return this.redis.key('report', 'dims', endpointId);
  }

  /** Set: the endpoint ids that have report data (deleted endpoints included, until their data expires). */
  endpoints(): string {
    return this.redis.key('report', 'endpoints');
  }

  /** Set: the handover ids of an endpoint in one live state (requested, queued, active), for the live gauges. */
  live(endpointId: string, state: string): string {
    return this.redis.key('report', 'live', endpointId, state);
  }

  /** String `<handoverId>|<endedAt ms>`: a user's last ended handover, for re-handovers. Expires after the window. */
  lastHandover(endpointId: string, userHash: string): string {
    return this.redis.key('report', 'last', endpointId, userHash);
  }
}
