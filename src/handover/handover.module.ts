import { Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { RelayModule } from '../relay/relay.module';
import { SessionsModule } from '../sessions/sessions.module';
import { ConversationWatchRestorer } from './conversation-watch-restorer';
import { DeliveryReceipts } from './delivery-receipts';
import { EndpointApiKeyGuard } from './endpoint-api-key.guard';
import { HandoverAdminController } from './handover-admin.controller';
import { HandoverLifecycle } from './handover-lifecycle';
import { HandoverTimers } from './handover-timers';
import { HandoverController } from './handover.controller';
import { HandoverService } from './handover.service';
import { ProviderEventIntake } from './provider-event-intake';
import { RelayHandlers } from './relay-handlers';
import { SessionViews } from './session-views';

/** The handover lifecycle: bot API, provider events in, relay both ways, timers, operator views. */
@Module({
  imports: [AdminModule, EndpointsModule, SessionsModule, RelayModule, DeliveryModule],
  controllers: [HandoverController, HandoverAdminController],
  providers: [HandoverService, HandoverLifecycle, ProviderEventIntake, RelayHandlers, DeliveryReceipts, HandoverTimers, SessionViews, EndpointApiKeyGuard, ConversationWatchRestorer],
})
export class HandoverModule {}
