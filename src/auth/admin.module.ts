import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuthModule } from './auth.module';
import { AppConfig } from '../config/app-config';
import { RedisService } from '../infrastructure/redis/redis.service';
import { RedisThrottlerStorage } from './redis-throttler-storage';

/**
 * What every `@AdminApi` controller relies on: each module with such a controller imports it. The throttler is
 * applied only by `@AdminApi`, not as a global guard: bots and Genesys call from few IPs at high rates and must not
 * be limited per IP. All admin routes share one budget per client IP, across every replica (counted in Redis).
 */
@Module({
  imports: [
    AuthModule,
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RedisService],
      useFactory: (config: AppConfig, redis: RedisService) => ({
        throttlers: [{ ttl: 60_000, limit: config.adminRateLimitPerMinute }],
        generateKey: (_context, tracker) => `admin:${tracker}`,
        storage: new RedisThrottlerStorage(redis),
      }),
    }),
  ],
  exports: [AuthModule],
})
export class AdminModule {}
