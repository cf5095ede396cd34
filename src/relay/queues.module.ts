import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { RedisService } from '../infrastructure/redis/redis.service';

/** BullMQ's shared connection; each feature module registers its own queues, each with its own hash-tagged prefix. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [RedisService],
      useFactory: (redis: RedisService) => ({ connection: redis.bullConnection }),
    }),
  ],
})
export class QueuesModule {}
