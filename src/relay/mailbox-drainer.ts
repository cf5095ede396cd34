import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, Job, MinimalJob, UnrecoverableError } from 'bullmq';
import { MetricsService } from '../infrastructure/metrics/metrics.service';
import type { DrainMailboxJob, Lane } from './relay-queues';
import { DeliveryFailure, Disposition } from './delivery-errors';
import type { LaneDelivery } from './lane-worker';
import { MailboxHead, SessionMailbox } from './session-mailbox';

/** Entries one run delivers before it hands the mailbox to a fresh owner, so busy sessions take turns. */
const BATCH = 50;
const MAX_BACKOFF_MS = 10 * 60 * 1000;

function dispositionOf(err: unknown): Disposition {
  if (err instanceof DeliveryFailure) return err.disposition;
  return err instanceof UnrecoverableError ? 'give-up' : 'retry';
}

/** The Prometheus label of a lane's deliveries. */
const DIRECTION = { 'to-bot': 'to_bot', 'to-agent': 'to_agent' } as const;

/**
 * How long to wait after the `attempt`-th failed try: exponential with jitter (half fixed, half random) from
 * `baseMs`, never shorter than a Retry-After the receiver asked for.
 */
export function retryDelay(attempt: number, baseMs: number, err: unknown): number {
  const exponential = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exponential / 2 + Math.random() * (exponential / 2));
  return err instanceof DeliveryFailure ? Math.max(jittered, err.retryAfterMs ?? 0) : jittered;
}

/** BullMQ custom backoff (`relay`): retryDelay, counting the attempts a local drain spent before the job. */
export function relayBackoff(attemptsMade: number, _type: string | undefined, err: Error | undefined, job: MinimalJob | undefined): number {
  const base = (job?.opts.backoff as { delay?: number } | undefined)?.delay ?? 1000;
  const prior = (job?.data as DrainMailboxJob | undefined)?.priorAttempts ?? 0;
  return retryDelay(attemptsMade + prior, base, err);
}

/** One run of the drain loop over one mailbox: a drain job's (jobRun) or a local drain's (LocalDrains). */
export interface DrainRun {
  readonly lane: Lane;
  readonly endpointId: string;
  readonly sessionId: string;
  /** The owner the run drains as. */
  readonly owner: string;
  /** Attempts already spent on the head the run starts from. */
  readonly attemptsSpent: number;
  /** Attempts a head gets in all before it is dead-lettered. */
  readonly attempts: number;
  firstHead(): Promise<MailboxHead>;
  /** The head failed for the `attempt`-th time, with attempts left: try it again after a backoff. */
  retryLater(err: unknown, attempt: number): Promise<void>;
  /** The head cannot go yet (DeferDeliveryError): try it again after `delayMs`, without using an attempt. */
  deferFor(delayMs: number): Promise<void>;
  /** After each delivered entry: whether the run should pass the rest to a fresh owner (e.g. its process is stopping). */
  passOn(): boolean;
}

/**
 * The drain loop shared by both lanes and both kinds of run: deliver the head entry, remove it only once delivered,
 * stop when the mailbox is empty (which releases it). A failure keeps the head in place and tries it again after a
 * backoff, so later entries of the same session wait behind it (order) while other sessions go on (isolation).
 * When the attempts are used up the head goes to the dead letters and a fresh owner takes over the rest.
 */
@Injectable()
export class MailboxDrainer {
  private readonly logger = new Logger(MailboxDrainer.name);

  constructor(
    private readonly mailbox: SessionMailbox,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * A drain job's run: BullMQ retries the job with relayBackoff, and a deferral moves it back to the delayed set.
   * A job after a local drain's failed tries (priorAttempts) has that many fewer attempts of its own.
   */
  jobRun(job: Job<DrainMailboxJob>, token?: string): DrainRun {
    const prior = job.data.priorAttempts ?? 0;
    return {
      lane: job.data.lane,
      endpointId: job.data.endpointId,
      sessionId: job.data.sessionId,
      owner: job.id as string,
      attemptsSpent: prior + job.attemptsMade,
      attempts: prior + (job.opts.attempts ?? 1),
      firstHead: () => this.mailbox.firstHead(job),
      retryLater: (err) => Promise.reject(err),
      deferFor: async (delayMs) => {
        await job.moveToDelayed(Date.now() + delayMs, token);
        throw new DelayedError();
      },
      passOn: () => false,
    };
  }

  async drain(run: DrainRun, handler: LaneDelivery): Promise<void> {
    const { lane, endpointId, sessionId, owner } = run;
    const direction = DIRECTION[lane];

    let head = await run.firstHead();
    for (let delivered = 1; head !== 'empty' && head !== 'not-owner'; delivered++) {
      try {
        await handler.deliver(endpointId, sessionId, head.entry);
      } catch (err) {
        const disposition = dispositionOf(err);
        if (disposition === 'defer') return run.deferFor((err as DeliveryFailure).retryAfterMs ?? 1000);
        const attempt = run.attemptsSpent + 1;
        if (disposition === 'retry' && attempt < run.attempts) {
          this.metrics.deliveries.inc({ direction, outcome: 'retried' });
          return run.retryLater(err, attempt);
        }
        const reason = err instanceof Error ? err.message : String(err);
        const deadLetter = await this.mailbox.deadLetter(lane, endpointId, sessionId, owner, head.raw, reason, attempt);
        if (deadLetter) {
          this.metrics.deliveries.inc({ direction, outcome: 'dead_lettered' });
          this.logger.warn(`Dead-lettered ${head.entry.id} of ${endpointId}/${sessionId} (${lane}) after ${attempt} attempt(s): ${reason}`);
          await handler.onDeadLetter(deadLetter).catch((e: Error) => this.logger.warn(`onDeadLetter failed: ${e.message}`));
        }
        await this.mailbox.handoff(lane, endpointId, sessionId, owner);
        return;
      }
      head = await this.mailbox.ackAndPeek(lane, endpointId, sessionId, owner, head.raw);
      this.metrics.deliveries.inc({ direction, outcome: 'delivered' });
      const more = head !== 'empty' && head !== 'not-owner';
      // After a retry this run has spent part of its attempts: the next entry deserves a full budget.
      if (more && (delivered >= BATCH || run.attemptsSpent > 0 || run.passOn())) {
        await this.mailbox.handoff(lane, endpointId, sessionId, owner);
        return;
      }
    }
  }
}
