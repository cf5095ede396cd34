import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { defineScript } from './redis-script';
import { RedisService } from './redis.service';

export interface FleetLeaseOptions {
  /** A holder that stops renewing loses the lease this long after its last renewal. */
  ttlMs: number;
  /** How often a holder renews and everyone else looks for a free lease (about a third of the TTL). */
  tickMs: number;
}

export const FLEET_LEASE_OPTIONS = Symbol('FLEET_LEASE_OPTIONS');

/** A dead holder's lease is free after ≤ 6 s and taken within one more tick: well inside the 15 s of the interface. */
export const DEFAULT_FLEET_LEASE_OPTIONS: FleetLeaseOptions = { ttlMs: 6000, tickMs: 2000 };

/** The name of the lease one process holds for fleet-wide periodic work (the mailbox sweep). */
export const FLEET_LEADER = 'fleet-leader';

/** `notifications:<endpointId>` → `notifications`: the metric's label stays bounded. */
const leaseKind = (name: string) => name.split(':')[0];

/** How long a lease hash outlives its last holder: it carries the fencing counter, which must not restart. */
const KEEP_MS = 30 * 24 * 60 * 60 * 1000;

// Every lease is one hash (holder, token, until), so each script touches one key. `until` is in Redis's clock
// (TIME), never a process's. The token only grows: each acquisition takes the next one, and the hash outlives
// its holders (KEEP_MS) so that a later holder never gets a smaller token than an earlier one.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', K.lease, 'holder', 'token', 'until')`;

const LEASE_ACQUIRE = defineScript({
  name: 'lease-acquire',
  keys: ['lease'] as const,
  args: ['holder', 'ttlMs', 'keepMs'] as const,
  lua: `${NOW}
if h[1] and h[1] ~= A.holder and tonumber(h[3] or '0') > now then return 0 end
local token = tonumber(h[2] or '0') + 1
redis.call('HSET', K.lease, 'holder', A.holder, 'token', token, 'until', now + tonumber(A.ttlMs))
redis.call('PEXPIRE', K.lease, A.keepMs)
return token`,
});

const LEASE_RENEW = defineScript({
  name: 'lease-renew',
  keys: ['lease'] as const,
  args: ['holder', 'token', 'ttlMs', 'keepMs'] as const,
  lua: `${NOW}
if h[1] ~= A.holder or h[2] ~= A.token or tonumber(h[3] or '0') <= now then return 0 end
redis.call('HSET', K.lease, 'until', now + tonumber(A.ttlMs))
redis.call('PEXPIRE', K.lease, A.keepMs)
return 1`,
});

/** Frees the lease at once (the holder and its expiry go; the counter stays), only while this holder has it. */
const LEASE_RELEASE = defineScript({
  name: 'lease-release',
  keys: ['lease'] as const,
  args: ['holder', 'token'] as const,
  lua: `local h = redis.call('HMGET', K.lease, 'holder', 'token')
if h[1] ~= A.holder or h[2] ~= A.token then return 0 end
redis.call('HDEL', K.lease, 'holder', 'until')
return 1`,
});

export interface LeaseHandlers {
  /** This process now holds the lease, with this fencing token (larger than every earlier holder's). */
  acquired?(token: number): void | Promise<void>;
  /** This process no longer holds it (superseded, expired, Redis unreachable past the TTL, shutdown). */
  lost?(reason: string): void;
}

/** One named lease as this process competes for it (FleetLeases.compete). */
export class FleetLease {
  private heldToken?: number;
  /** Process time (ms) until which the last successful renewal keeps the lease, less a safety margin. */
  private validUntil = 0;
  private busy?: Promise<boolean>;
  private readonly handlers: LeaseHandlers[] = [];

  constructor(
    readonly name: string,
    private readonly owner: FleetLeases,
  ) {}

  get held(): boolean {
    return this.heldToken !== undefined && Date.now() < this.validUntil;
  }

  /** The fencing token while held. */
  get token(): number | undefined {
    return this.held ? this.heldToken : undefined;
  }

  on(handlers: LeaseHandlers): void {
    this.handlers.push(handlers);
  }

  /**
   * Renews when held, else takes the lease when it is free; resolves with whether this process holds it now. A
   * renewal is also the fencing check: it succeeds only while the token is still the current one.
   */
  refresh(): Promise<boolean> {
    this.busy ??= this.run().finally(() => (this.busy = undefined));
    return this.busy;
  }

  /** Gives the lease up (if still ours) so another process takes it at its next look. */
  async release(reason: string): Promise<void> {
    const token = this.heldToken;
    if (token === undefined) return;
    this.drop(reason);
    await this.owner.releaseScript(this.name, token);
  }

  private async run(): Promise<boolean> {
    const started = Date.now();
    try {
      if (this.heldToken !== undefined) {
        if (await this.owner.renewScript(this.name, this.heldToken)) {
          this.validUntil = started + this.owner.validForMs;
          return true;
        }
        this.drop('superseded or expired');
      }
      if (this.owner.stopped) return false;
      const token = await this.owner.acquireScript(this.name);
      if (token === 0 || this.owner.stopped) return false;
      this.heldToken = token;
      this.validUntil = started + this.owner.validForMs;
      this.owner.changed(this.name, true);
      // Not awaited: a long take-over (re-subscribing thousands of conversations) must not hold up the renewals.
      for (const h of this.handlers) {
        void Promise.resolve()
          .then(() => h.acquired?.(token))
          .catch((err: Error) => this.owner.logger.warn(`Taking over lease ${this.name} failed: ${err.message}`));
      }
      return true;
    } catch (err) {
      // Redis unreachable: the lease is ours only until the TTL of the last renewal runs out.
      if (this.heldToken !== undefined && Date.now() >= this.validUntil) this.drop(`cannot renew: ${(err as Error).message}`);
      return this.held;
    }
  }

  private drop(reason: string): void {
    if (this.heldToken === undefined) return;
    this.heldToken = undefined;
    this.validUntil = 0;
    this.owner.changed(this.name, false);
    for (const h of this.handlers) h.lost?.(reason);
  }
}

/**
 * Leases in Redis that many processes compete for: at most one holds each name at a time, renews it every tick,
 * and loses it `ttlMs` after it stopped (crashed, paused, cut off from Redis); then the next process that looks
 * takes it with a larger fencing token. The one mechanism for "once across the fleet": per-endpoint notification
 * owners and the fleet leader. Shutdown releases every held lease at once, so another process takes over at its
 * next tick instead of after the TTL.
 */
@Injectable()
export class FleetLeases implements BeforeApplicationShutdown {
  readonly logger = new Logger(FleetLeases.name);
  /** This process, as lease hashes name their holder. */
  readonly holderId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly options: FleetLeaseOptions;
  private readonly leases = new Map<string, FleetLease>();
  private timer?: NodeJS.Timeout;
  stopped = false;

  constructor(
    private readonly redis: RedisService,
    @Optional() @Inject(FLEET_LEASE_OPTIONS) options?: Partial<FleetLeaseOptions>,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    this.options = { ...DEFAULT_FLEET_LEASE_OPTIONS, ...options };
  }

  /** A holder stops acting a little before Redis frees its lease: one tick of margin for slow renewals and clocks. */
  get validForMs(): number {
    return Math.max(this.options.ttlMs - this.options.tickMs / 2, this.options.tickMs);
  }

  /**
   * Competes for `name` from now on (renewing it while held, looking for it while not) and tries at once; the
   * same lease object for every caller of one name.
   */
  compete(name: string, handlers: LeaseHandlers = {}): FleetLease {
    let lease = this.leases.get(name);
    if (!lease) {
      lease = new FleetLease(name, this);
      this.leases.set(name, lease);
      this.start();
    }
    lease.on(handlers);
    if (!this.stopped) void lease.refresh();
    return lease;
  }

  /**
   * The fencing check before an action only the holder may take: renews the lease, so it answers true only while
   * this process still holds it with its token (and a false answer tells the lease's `lost` handlers at once).
   */
  async confirm(name: string): Promise<boolean> {
    const lease = this.leases.get(name);
    return !!lease?.held && (await lease.refresh());
  }

  /** Stops competing for `name`, releasing it if held. */
  async withdraw(name: string): Promise<void> {
    const lease = this.leases.get(name);
    this.leases.delete(name);
    await lease?.release('withdrawn').catch(() => undefined);
  }

  /** Who holds `name` now, by Redis's clock (for health pages and tests). */
  async holder(name: string): Promise<{ holder: string; token: number } | undefined> {
    const [[, time], [, fields]] = (await this.redis.client
      .multi()
      .time()
      .hmget(this.redis.keys.lease(name), 'holder', 'token', 'until')
      .exec()) as [[null, [string, string]], [null, (string | null)[]]];
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    const [holder, token, until] = fields;
    return holder && Number(until) > now ? { holder, token: Number(token) } : undefined;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const held = [...this.leases.values()].filter((l) => l.held);
    await Promise.allSettled(held.map((l) => l.release('shutdown')));
    if (held.length > 0) this.logger.log(`Released ${held.length} lease(s) for another process to take over`);
  }

  acquireScript(name: string): Promise<number> {
    return this.redis
      .run(LEASE_ACQUIRE, {
        keys: { lease: this.redis.keys.lease(name) },
        args: { holder: this.holderId, ttlMs: this.options.ttlMs, keepMs: KEEP_MS },
      })
      .then(Number);
  }

  async renewScript(name: string, token: number): Promise<boolean> {
    const args = { holder: this.holderId, token, ttlMs: this.options.ttlMs, keepMs: KEEP_MS };
    return (await this.redis.run(LEASE_RENEW, { keys: { lease: this.redis.keys.lease(name) }, args })) === 1;
  }

  async releaseScript(name: string, token: number): Promise<void> {
    await this.redis.run(LEASE_RELEASE, { keys: { lease: this.redis.keys.lease(name) }, args: { holder: this.holderId, token } });
  }

  changed(name: string, held: boolean): void {
    const kind = leaseKind(name);
    this.metrics?.leasesHeld.set({ kind }, [...this.leases.values()].filter((l) => l.held && leaseKind(l.name) === kind).length);
    this.logger.log(`${held ? 'Holding' : 'No longer holding'} lease ${name}`);
  }

  private start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => {
      for (const lease of this.leases.values()) void lease.refresh();
    }, this.options.tickMs);
    this.timer.unref();
  }
}
