import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../infrastructure/metrics/metrics.service';
import { RedisService } from '../infrastructure/redis/redis.service';
import { LruCache } from '../infrastructure/lru-cache';
import type { LaneDelivery } from './lane-worker';
import { DrainRun, MailboxDrainer, retryDelay } from './mailbox-drainer';
import { localOwnerId } from './mailbox-owners';
import type { Lane } from './relay-queues';
import { LocalOwners, OwnerRun, SessionMailbox, toHead } from './session-mailbox';

/** How often the process renews its heartbeat, and how long one renewal keeps it alive. */
export const HEARTBEAT_MS = 1000;
export const HEARTBEAT_TTL_MS = 5000;
/** Waiting runs per lane that keep the head they were given (see enqueue). */
const WAITING_WITH_HEAD = 1000;

/**
 * Drains that run in the process that took ownership of a mailbox, without a BullMQ job: at the rates where most
 * messages find their mailbox empty, a job per message was more than half of the relay's Redis commands (BENCHMARKS.md,
 * 58 → 23 per message at 1,000/s) and about half of its Redis CPU. BullMQ stays the relay's
 * durable path: a head that fails is passed to a drain job with the backoff (with the attempts spent so far), a
 * deferral too, and at shutdown every local mailbox goes to a job.
 *
 * A local owner is as alive as this process's heartbeat (RedisKeys.relayProcess, renewed every second). When a
 * process dies its heartbeat lapses within HEARTBEAT_TTL_MS and the sweep of any live process (MailboxSweeper)
 * hands its mailboxes to new owners; each step of a drain checks its ownership atomically, so a process that only
 * stalled past its heartbeat stops at its next step (at most its entry in flight is delivered twice).
 *
 * At most WORKER_CONCURRENCY runs per lane deliver at once; the rest wait here in arrival order (their entries are
 * in Redis; only the turn is in memory).
 */
@Injectable()
export class LocalDrains implements LocalOwners, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LocalDrains.name);
  readonly processId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly deliveries = new Map<Lane, LaneDelivery>();
  private readonly waiting = new Map<Lane, OwnerRun[]>();
  private readonly running = new Map<Lane, number>();
  /** Every run this process owns (waiting, running, or stranded by a Redis failure): what shutdown passes on. */
  private readonly owned = new Map<string, OwnerRun>();
  private readonly stranded = new Set<OwnerRun>();
  /**
   * Owners whose run finished (the last 10,000: seconds of traffic). A sweep may read one from Redis just before its
   * run released it, and the late start of an adopted owner may still come: neither starts a run again.
   */
  private readonly retired = new LruCache<string, true>(10_000);
  /** Set when a heartbeat succeeds after failing: a start may have been lost meanwhile (see adopt). */
  private recheck = false;
  private heartbeatFailing = false;
  private readonly settled = new Set<() => void>();
  /** Process time until which the last heartbeat keeps this process alive, less one beat of margin. */
  private aliveUntil = 0;
  private closing = false;
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;

  constructor(
    private readonly mailbox: SessionMailbox,
    private readonly drainer: MailboxDrainer,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    mailbox.useLocalOwners(this);
    metrics.setLocalDrainsSource(() =>
      [...this.deliveries.keys()].map((lane) => ({
        lane,
        running: this.running.get(lane) ?? 0,
        waiting: this.waiting.get(lane)?.length ?? 0,
      })),
    );
  }

  /** A lane's deliveries run locally once its worker registered them (LaneWorker). */
  register(lane: Lane, delivery: LaneDelivery): void {
    this.deliveries.set(lane, delivery);
  }

  /** Runs owned by this process that have not finished (for tests and shutdown). */
  get busy(): number {
    return this.owned.size;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  newOwner(lane: Lane): string | undefined {
    if (this.closing || !this.deliveries.has(lane) || !this.alive()) return undefined;
    return localOwnerId(this.processId);
  }

  private alive(): boolean {
    return Date.now() < this.aliveUntil;
  }

  take(run: OwnerRun): void {
    if (!this.known(run.owner)) this.enqueue(run);
  }

  adopt(run: OwnerRun): 'started' | 'running' | 'finished' {
    if (this.owned.has(run.owner)) return 'running';
    if (this.retired.get(run.owner) !== undefined) return 'finished';
    this.logger.warn(`Mailbox ${run.endpointId}/${run.sessionId} (${run.lane}) had a local owner without its run; starting it`);
    this.enqueue(run);
    return 'started';
  }

  private known(owner: string): boolean {
    return this.owned.has(owner) || this.retired.get(owner) !== undefined;
  }

  private enqueue(run: OwnerRun): void {
    const { head: _head, ...ref } = run;
    this.owned.set(run.owner, ref);
    // Made local just before shutdown began: a job takes it.
    if (this.closing) return void this.passToJob(ref, 0);
    const queue = this.waiting.get(run.lane) ?? [];
    this.waiting.set(run.lane, queue);
    // Past WAITING_WITH_HEAD waiting runs, a run leaves its head in Redis and reads it when its turn comes (one more
    // round trip), so a long backlog holds only references in memory, while a burst keeps the heads in hand.
    queue.push(queue.length < WAITING_WITH_HEAD ? run : ref);
    this.pump(run.lane);
  }

  /** Whether Redis failed since the last call: then the sweep looks for owners of this process whose start was lost. */
  takeRecheck(): boolean {
    const recheck = this.recheck;
    this.recheck = false;
    return recheck;
  }

  /** The processes that announced a heartbeat and no longer have one (died), this one excepted. */
  async deadProcesses(): Promise<string[]> {
    const members = (await this.redis.client.smembers(this.redis.keys.relayProcesses())).filter((id) => id !== this.processId);
    const alive = await Promise.all(members.map((id) => this.isAlive(id)));
    return members.filter((_, i) => !alive[i]);
  }

  async isAlive(processId: string): Promise<boolean> {
    return (await this.redis.client.exists(this.redis.keys.relayProcess(processId))) === 1;
  }

  /** Drops processes whose mailboxes were recovered. */
  async forget(processIds: string[]): Promise<void> {
    if (processIds.length > 0) await this.redis.client.srem(this.redis.keys.relayProcesses(), ...processIds);
  }

  private pump(lane: Lane): void {
    const queue = this.waiting.get(lane) ?? [];
    while (!this.closing && queue.length > 0 && (this.running.get(lane) ?? 0) < this.config.workerConcurrency) {
      const run = queue.shift() as OwnerRun;
      this.running.set(lane, (this.running.get(lane) ?? 0) + 1);
      void this.run(run).finally(() => {
        this.running.set(lane, (this.running.get(lane) ?? 1) - 1);
        this.pump(lane);
      });
    }
  }

  private async run(run: OwnerRun): Promise<void> {
    const delivery = this.deliveries.get(run.lane) as LaneDelivery;
    try {
      await this.drainer.drain(this.drainRun(run), delivery);
      this.finished(run);
    } catch (err) {
      // Redis failed between deliveries: a drain job takes the mailbox after a backoff (the last entry may go twice).
      this.logger.warn(`Local drain of ${run.endpointId}/${run.sessionId} (${run.lane}) failed: ${(err as Error).message}`);
      await this.passToJob(run, this.config.deliveryBackoffMs);
    }
  }

  private drainRun(run: OwnerRun): DrainRun {
    const { lane, endpointId, sessionId, owner, head } = run;
    return {
      lane,
      endpointId,
      sessionId,
      owner,
      attemptsSpent: 0,
      attempts: this.config.deliveryAttempts,
      firstHead: async () => (head === undefined ? this.mailbox.peek(lane, endpointId, sessionId, owner) : toHead(['head', head])),
      retryLater: async (err, attempt) => {
        await this.mailbox.handoff(lane, endpointId, sessionId, owner, {
          delayMs: retryDelay(attempt, this.config.deliveryBackoffMs, err),
          priorAttempts: attempt,
        });
      },
      deferFor: async (delayMs) => {
        await this.mailbox.handoff(lane, endpointId, sessionId, owner, { delayMs });
      },
      // Stopping, or the heartbeat is late: the rest goes to a drain job before another process could think us dead.
      passOn: () => this.closing || !this.alive(),
    };
  }

  /** Hands a run's mailbox to a drain job; when Redis refuses, keeps it to try again at the next heartbeat. */
  private async passToJob(run: OwnerRun, delayMs: number): Promise<void> {
    try {
      await this.mailbox.handoff(run.lane, run.endpointId, run.sessionId, run.owner, { delayMs });
      this.stranded.delete(run);
      this.finished(run);
    } catch (err) {
      this.stranded.add(run);
      this.logger.warn(`Mailbox ${run.endpointId}/${run.sessionId} (${run.lane}) not yet passed to a job: ${(err as Error).message}`);
    }
  }

  private finished(run: OwnerRun): void {
    this.owned.delete(run.owner);
    this.retired.set(run.owner, true);
    if (this.owned.size === 0) for (const resolve of this.settled) resolve();
  }

  private beat(): Promise<void> {
    this.beating ??= this.renew().finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async renew(): Promise<void> {
    const started = Date.now();
    try {
      await Promise.all([
        this.redis.client.set(this.redis.keys.relayProcess(this.processId), '1', 'PX', HEARTBEAT_TTL_MS),
        this.redis.client.sadd(this.redis.keys.relayProcesses(), this.processId),
      ]);
      this.aliveUntil = started + HEARTBEAT_TTL_MS - HEARTBEAT_MS;
      if (this.heartbeatFailing) this.recheck = true;
      this.heartbeatFailing = false;
    } catch (err) {
      this.heartbeatFailing = true;
      this.logger.warn(`Relay heartbeat failed: ${(err as Error).message}`);
    }
    for (const run of [...this.stranded]) await this.passToJob(run, 0);
  }

  /**
   * Runs before the queues and Redis close: no new local owners; running drains pass the rest of their mailbox to a
   * job after their entry in flight (within the grace), waiting ones at once; then the heartbeat goes, so that
   * what is still owned here (a drain stuck past the grace) is recovered by the sweep of another process.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    for (const queue of this.waiting.values()) {
      for (const run of queue.splice(0)) await this.passToJob(run, 0);
    }
    const deadline = Date.now() + this.config.shutdownGraceMs;
    while (this.owned.size > 0 && Date.now() < deadline) {
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, Math.min(HEARTBEAT_MS, deadline - Date.now())).unref());
      let settle!: () => void;
      const settled = new Promise<void>((resolve) => (settle = resolve));
      this.settled.add(settle);
      await Promise.race([settled, timeout]);
      this.settled.delete(settle);
      await this.beat();
    }
    if (this.owned.size > 0)
      this.logger.warn(`${this.owned.size} local drain(s) still running after the grace; another process recovers them`);
    await this.beating;
    await Promise.allSettled([
      this.redis.client.del(this.redis.keys.relayProcess(this.processId)),
      this.redis.client.srem(this.redis.keys.relayProcesses(), this.processId),
    ]);
  }
}
