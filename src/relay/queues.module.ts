import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { RedisService } from '../infrastructure/redis/redis.service';

/** BullMQ's shared connection options and key prefix; each feature module registers its own queues. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [RedisService],
      useFactory: (redis: RedisService) => ({ connection: redis.bullConnection, prefix: redis.keys.bullPrefix() }),
    }),
  ],
})
export class QueuesModule {}
