import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ConsoleModule } from './console/console.module';
import { EndpointsModule } from './endpoints/endpoints.module';
import { HandoverModule } from './handover/handover.module';
import { HealthModule } from './infrastructure/health/health.module';
import { LoggingModule } from './infrastructure/logging/logging.module';
import { MetricsModule } from './infrastructure/metrics/metrics.module';
import { ContactCenterModule } from './contact-center/contact-center.module';
import { HttpModule } from './infrastructure/http/http.module';
import { QueuesModule } from './relay/queues.module';
import { RedisModule } from './infrastructure/redis/redis.module';
import { ReportingModule } from './reporting/reporting.module';

export interface AppModuleOptions {
  config: AppConfig;
  /** Where JSON log lines go (stdout when absent); tests capture them to assert that no secret is logged. */
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot({ config, logDestination }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config, logDestination),
        RedisModule,
        HttpModule,
        QueuesModule,
        MetricsModule,
        HealthModule,
        EndpointsModule,
        ContactCenterModule,
        HandoverModule,
        ReportingModule,
        ConsoleModule,
      ],
    };
  }
}
