import { BullModule } from '@nestjs/bullmq';
import { Module, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JOBS_BY_QUEUE, Lane, QueueName } from './relay-queues';
import { LaneHandlers } from './lane-handlers';
import { MailboxDrainer } from './mailbox-drainer';
import { MailboxSweeper } from './mailbox-sweeper';
import { ToAgentProcessor, ToBotProcessor } from './relay.processors';
import { SessionMailbox } from './session-mailbox';

const SEVEN_DAYS_SECONDS = 7 * 24 * 3600;
const LANE_OF_QUEUE: Record<QueueName, Lane> = { [QueueName.ToBot]: 'to-bot', [QueueName.ToAgent]: 'to-agent' };

const queue = (name: QueueName) =>
  BullModule.registerQueueAsync({
    name,
    inject: [AppConfig],
    useFactory: (config: AppConfig) => ({
      defaultJobOptions: {
        attempts: config.deliveryAttempts,
        backoff: { type: 'relay', delay: config.deliveryBackoffMs },
        removeOnComplete: true,
        removeOnFail: { age: SEVEN_DAYS_SECONDS },
      },
    }),
  });

/**
 * Ordered, durable relay in both directions: per-session mailboxes drained by BullMQ jobs. Feature modules
 * push with `SessionMailbox` and register the delivery of their lane with `LaneHandlers`.
 */
@Module({
  imports: [queue(QueueName.ToBot), queue(QueueName.ToAgent)],
  providers: [SessionMailbox, LaneHandlers, MailboxDrainer, MailboxSweeper, ToBotProcessor, ToAgentProcessor],
  exports: [SessionMailbox, LaneHandlers],
})
export class RelayModule implements OnApplicationBootstrap {
  constructor(private readonly handlers: LaneHandlers) {}

  /** Fails the boot when a queue's jobs could not be handled (immich's "every job has a handler" check). */
  onApplicationBootstrap(): void {
    for (const [queueName, jobs] of Object.entries(JOBS_BY_QUEUE) as [QueueName, readonly string[]][]) {
      const lane = LANE_OF_QUEUE[queueName];
      if (jobs.length > 0 && !this.handlers.has(lane)) {
        throw new Error(`Queue ${queueName} has jobs (${jobs.join(', ')}) but no handler is registered for lane ${lane}`);
      }
    }
  }
}
