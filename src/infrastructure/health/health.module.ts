import { Global, Module, OnModuleInit } from '@nestjs/common';
import { RedisService } from '../redis/redis.service';
import { HealthController } from './health.controller';
import { ReadinessService } from './readiness.service';

@Global()
@Module({ controllers: [HealthController], providers: [ReadinessService], exports: [ReadinessService] })
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly redis: RedisService,
  ) {}

  onModuleInit(): void {
    this.readiness.register('redis', () => this.redis.isReady());
  }
}
