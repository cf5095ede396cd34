import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AdminModule } from '../auth/admin.module';
import { AppConfig } from '../config/app-config';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { LANES } from '../relay/relay-queues';
import { ConsoleController } from './console.controller';
import { EndpointHealthController } from './endpoint-health.controller';
import { guardQueueBoard, QUEUE_BOARD_PATH, QueueBoardPasses, QueueBoardSessionController } from './queue-board-access';

/**
 * The operator console (/console, docs/console.md): static pages over the admin API, and Bull Board at
 * /console/queues for the relay's queues, read-only (the relay's own dead letters and replay are the way to act
 * on deliveries; retrying or removing a drain job by hand would break a mailbox's ownership).
 */
@Module({
  imports: [
    AdminModule,
    EndpointsModule,
    BullBoardModule.forRoot({
      route: QUEUE_BOARD_PATH,
      adapter: FastifyAdapter,
      boardOptions: { uiConfig: { boardTitle: 'Relay queues' } },
    }),
    BullBoardModule.forFeature(...LANES.map((name) => ({ name, adapter: BullMQAdapter, options: { readOnlyMode: true } }))),
  ],
  controllers: [ConsoleController, QueueBoardSessionController, EndpointHealthController],
})
export class ConsoleModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AppConfig,
  ) {}

  /** Before the server is ready, when Bull Board adds its routes. */
  onModuleInit(): void {
    guardQueueBoard(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), new QueueBoardPasses(this.config.adminToken));
  }
}
