import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { AdminModule } from '../auth/admin.module';
import { AppConfig } from '../config/app-config';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { LANES } from '../relay/relay-queues';
import { ConsoleController } from './console.controller';
import { EndpointHealthController } from './endpoint-health.controller';
import { QUEUE_BOARD_PATH, queueBoardGuard, QueueBoardPasses, QueueBoardSessionController } from './queue-board-access';

/**
 * The operator console (/console, docs/console.md): static pages over the admin API, and Bull Board at
 * /console/queues for the relay's queues, read-only (the relay's own dead letters and replay are the way to act
 * on deliveries; retrying or removing a drain job by hand would break a mailbox's ownership).
 */
@Module({
  imports: [
    AdminModule,
    EndpointsModule,
    BullBoardModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        route: QUEUE_BOARD_PATH,
        adapter: ExpressAdapter,
        boardOptions: { uiConfig: { boardTitle: 'Relay queues' } },
        middleware: queueBoardGuard(new QueueBoardPasses(config.adminToken)),
      }),
    }),
    BullBoardModule.forFeature(...LANES.map((name) => ({ name, adapter: BullMQAdapter, options: { readOnlyMode: true } }))),
  ],
  controllers: [ConsoleController, QueueBoardSessionController, EndpointHealthController],
})
export class ConsoleModule {}
