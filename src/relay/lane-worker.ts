import { WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { ReadinessService } from '../infrastructure/health/readiness.service';
import { LocalDrains } from './local-drains';
import { MailboxDrainer, relayBackoff } from './mailbox-drainer';
import { DrainMailboxJob, JobName, Lane } from './relay-queues';
import type { DeadLetter, MailboxEntry } from './session-mailbox';

/** What a lane's destination does with one entry. */
export interface LaneDelivery {
  /** Delivers one mailbox entry; throws a DeliveryFailure (delivery-errors.ts), or any error to retry. */
  deliver(endpointId: string, sessionId: string, entry: MailboxEntry): Promise<void>;
  /** After an entry was dead-lettered (e.g. tell Genesys the agent's message failed). */
  onDeadLetter(deadLetter: DeadLetter): Promise<void>;
}

/**
 * A job's lock, renewed by its worker every half of it: when a process dies, a live worker (or the same one
 * restarted) sees the job stalled within this plus STALLED_CHECK_MS and runs it again, instead of BullMQ's 30 s + 30 s.
 * 4 s + 3 s leave room under the interface's 15 s on a loaded machine (three replicas on two cores with 5 s + 5 s took 10-12 s,
 * and more under heavier load); a renewal may come up to 2 s late before a live job counts as stalled.
 * Renewing costs one Redis call per active job every 2 s.
 */
export const LOCK_MS = 4000;
export const STALLED_CHECK_MS = 3000;

/** The `@Processor` options of every lane worker: the relay's backoff with jitter, and the lock above. */
export const LANE_WORKER_OPTIONS = {
  lockDuration: LOCK_MS,
  stalledInterval: STALLED_CHECK_MS,
  settings: { backoffStrategy: relayBackoff },
};

/**
 * The BullMQ worker of one lane. The feature module that owns a lane's destination subclasses it with
 * `@Processor(Lane.X, LANE_WORKER_OPTIONS)` and implements the delivery; the drain loop, readiness and the
 * shutdown order are the relay's. The relay's own services are property-injected so that a subclass's
 * constructor lists only its own dependencies.
 */
export abstract class LaneWorker extends WorkerHost implements LaneDelivery, OnApplicationBootstrap, BeforeApplicationShutdown {
  abstract readonly lane: Lane;
  @Inject() private readonly drainer!: MailboxDrainer;
  @Inject() private readonly localDrains!: LocalDrains;
  @Inject() private readonly config!: AppConfig;
  @Inject() private readonly readiness!: ReadinessService;
  private readonly logger = new Logger(this.constructor.name);

  abstract deliver(endpointId: string, sessionId: string, entry: MailboxEntry): Promise<void>;
  abstract onDeadLetter(deadLetter: DeadLetter): Promise<void>;

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.workerConcurrency;
    this.localDrains.register(this.lane, this);
    this.worker.on('error', (err) => this.logger.warn(`Worker error: ${err.message}`));
    this.readiness.register(`worker:${this.lane}`, () => this.worker.isRunning());
  }

  async process(job: Job<DrainMailboxJob>, token?: string): Promise<void> {
    if (job.name !== JobName.DrainMailbox) throw new Error(`Unknown job ${job.name} on ${this.lane}`);
    await this.drainer.drain(this.drainer.jobRun(job, token), this);
  }

  /** Drain active jobs before @nestjs/bullmq closes the queues (it closes both at once otherwise). */
  async beforeApplicationShutdown(): Promise<void> {
    const closing = this.worker.close();
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, this.config.shutdownGraceMs, 'timeout').unref());
    if ((await Promise.race([closing, timeout])) === 'timeout') {
      this.logger.warn(`Jobs still active after ${this.config.shutdownGraceMs} ms; closing anyway (they will be retried)`);
      await this.worker.close(true);
    }
  }
}
