import { BullModule } from '@nestjs/bullmq';
import { Module, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { AdminModule } from '../auth/admin.module';
import { AppConfig } from '../config/app-config';
import { RedisService } from '../infrastructure/redis/redis.service';
import { DeadLettersController } from './dead-letters.controller';
import { LaneWorker } from './lane-worker';
import { LocalDrains } from './local-drains';
import { MailboxDrainer } from './mailbox-drainer';
import { MailboxSweeper } from './mailbox-sweeper';
import { JOBS_BY_LANE, Lane, LANES } from './relay-queues';
import { SessionMailbox } from './session-mailbox';

const SEVEN_DAYS_SECONDS = 7 * 24 * 3600;

const queue = (lane: Lane) =>
  BullModule.registerQueueAsync({
    name: lane,
    inject: [AppConfig, RedisService],
    useFactory: (config: AppConfig, redis: RedisService) => ({
      prefix: redis.keys.bullPrefix(lane),
      defaultJobOptions: {
        attempts: config.deliveryAttempts,
        backoff: { type: 'relay', delay: config.deliveryBackoffMs },
        removeOnComplete: true,
        removeOnFail: { age: SEVEN_DAYS_SECONDS },
      },
    }),
  });

/**
 * Ordered, durable relay in both directions: per-session mailboxes drained in the process that took them
 * (LocalDrains) or by BullMQ jobs (retries, deferrals, recovery), and the dead letters.
 * Feature modules push with `SessionMailbox` and deliver a lane with a `LaneWorker` subclass of their own.
 */
@Module({
  imports: [AdminModule, DiscoveryModule, ...LANES.map(queue)],
  controllers: [DeadLettersController],
  providers: [SessionMailbox, MailboxDrainer, LocalDrains, MailboxSweeper],
  exports: [SessionMailbox, MailboxDrainer, LocalDrains],
})
export class RelayModule implements OnApplicationBootstrap {
  constructor(private readonly discovery: DiscoveryService) {}

  /** Fails the boot unless every lane whose queue has jobs has exactly one worker (immich's startup check). */
  onApplicationBootstrap(): void {
    const workers = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is LaneWorker => instance instanceof LaneWorker);
    for (const lane of LANES) {
      const count = workers.filter((worker) => worker.lane === lane).length;
      if (JOBS_BY_LANE[lane].length > 0 && count !== 1) {
        throw new Error(`Lane ${lane} has jobs (${JOBS_BY_LANE[lane].join(', ')}) but ${count} workers (exactly one is needed)`);
      }
    }
  }
}
