import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, Job, MinimalJob, UnrecoverableError } from 'bullmq';
import { MetricsService } from '../infrastructure/metrics/metrics.service';
import type { DrainMailboxJob } from './relay-queues';
import { DeliveryFailure, Disposition } from './delivery-errors';
import type { LaneDelivery } from './lane-worker';
import { SessionMailbox } from './session-mailbox';

/** Entries one drain job delivers before it hands the mailbox to a fresh job, so busy sessions take turns. */
const BATCH = 50;
const MAX_BACKOFF_MS = 10 * 60 * 1000;

/**
 * BullMQ custom backoff: exponential with jitter (half fixed, half random), never shorter than a Retry-After
 * the receiver asked for.
 */
function dispositionOf(err: unknown): Disposition {
  if (err instanceof DeliveryFailure) return err.disposition;
  return err instanceof UnrecoverableError ? 'give-up' : 'retry';
}

/** The Prometheus label of a lane's deliveries. */
const DIRECTION = { 'to-bot': 'to_bot', 'to-agent': 'to_agent' } as const;

export function relayBackoff(attemptsMade: number, _type: string | undefined, err: Error | undefined, job: MinimalJob | undefined): number {
  const base = (job?.opts.backoff as { delay?: number } | undefined)?.delay ?? 1000;
  const exponential = Math.min(MAX_BACKOFF_MS, base * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = Math.round(exponential / 2 + Math.random() * (exponential / 2));
  return err instanceof DeliveryFailure ? Math.max(jittered, err.retryAfterMs ?? 0) : jittered;
}

/**
 * The drain loop shared by both lanes: deliver the head entry, remove it only once delivered, stop when the
 * mailbox is empty (which releases it). A failure keeps the head in place and retries the whole job with
 * backoff, so later entries of the same session wait behind it (order) while other sessions go on (isolation).
 * When the attempts are used up the head goes to the dead letters and a fresh job takes over the rest.
 */
@Injectable()
export class MailboxDrainer {
  private readonly logger = new Logger(MailboxDrainer.name);

  constructor(
    private readonly mailbox: SessionMailbox,
    private readonly metrics: MetricsService,
  ) {}

  async drain(job: Job<DrainMailboxJob>, handler: LaneDelivery, token?: string): Promise<void> {
    const { lane, endpointId, sessionId } = job.data;
    const owner = job.id as string;
    const direction = DIRECTION[lane];

    let head = await this.mailbox.firstHead(job);
    for (let delivered = 1; head !== 'empty' && head !== 'not-owner'; delivered++) {
      try {
        await handler.deliver(endpointId, sessionId, head.entry);
      } catch (err) {
        const disposition = dispositionOf(err);
        if (disposition === 'defer') {
          await job.moveToDelayed(Date.now() + ((err as DeliveryFailure).retryAfterMs ?? 1000), token);
          throw new DelayedError();
        }
        const attempts = job.attemptsMade + 1;
        if (disposition === 'retry' && attempts < (job.opts.attempts ?? 1)) {
          this.metrics.deliveries.inc({ direction, outcome: 'retried' });
          throw err;
        }
        const reason = err instanceof Error ? err.message : String(err);
        const deadLetter = await this.mailbox.deadLetter(lane, endpointId, sessionId, owner, head.raw, reason, attempts);
        if (deadLetter) {
          this.metrics.deliveries.inc({ direction, outcome: 'dead_lettered' });
          this.logger.warn(
            `Dead-lettered ${head.entry.id} of ${endpointId}/${sessionId} (${lane}) after ${attempts} attempt(s): ${reason}`,
          );
          await handler.onDeadLetter(deadLetter).catch((e: Error) => this.logger.warn(`onDeadLetter failed: ${e.message}`));
        }
        await this.mailbox.handoff(lane, endpointId, sessionId, owner);
        return;
      }
      head = await this.mailbox.ackAndPeek(lane, endpointId, sessionId, owner, head.raw);
      this.metrics.deliveries.inc({ direction, outcome: 'delivered' });
      const more = head !== 'empty' && head !== 'not-owner';
      // After a retry this job has spent part of its attempts: the next entry deserves a full budget.
      if (more && (delivered >= BATCH || job.attemptsMade > 0)) {
        await this.mailbox.handoff(lane, endpointId, sessionId, owner);
        return;
      }
    }
  }
}
