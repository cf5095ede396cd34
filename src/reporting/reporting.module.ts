import { Global, Module } from '@nestjs/common';
import { AdminModule } from '../auth/admin.module';
import { AppConfig } from '../config/app-config';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { HandoverObserver } from '../handover/domain/handover-observer';
import { RedisService } from '../infrastructure/redis/redis.service';
import { HandoverFactsRecorder } from './handover-facts.recorder';
import { ReportStore } from './report-store';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

const DAY_MS = 86_400_000;

/**
 * Handover analytics: records every handover's facts (as the lifecycle's HandoverObserver) and answers the reports
 * API and the Prometheus handover series from them. Global only to provide the HandoverObserver to the handover
 * module (which cannot import this one, a layer above it).
 */
@Global()
@Module({
  imports: [AdminModule, EndpointsModule],
  controllers: [ReportsController],
  providers: [
    {
      provide: ReportStore,
      inject: [RedisService, AppConfig],
      useFactory: (redis: RedisService, config: AppConfig) => new ReportStore(redis, config.reportRetentionDays * DAY_MS),
    },
    HandoverFactsRecorder,
    { provide: HandoverObserver, useExisting: HandoverFactsRecorder },
    ReportsService,
  ],
  exports: [HandoverObserver, ReportsService],
})
export class ReportingModule {}
