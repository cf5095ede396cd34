import { Module } from '@nestjs/common';
import { AdminModule } from '../auth/admin.module';
import { DeliveryModule } from '../bot/bot.module';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { RelayModule } from '../relay/relay.module';
import { SessionsModule } from './store/sessions.module';
import { ConversationWatchRestorer } from './provider-intake/conversation-watch-restorer';
import { DeliveryReceipts } from './lanes/delivery-receipts';
import { EndpointApiKeyGuard } from '../endpoints/endpoint-api-key.guard';
import { HandoverAdminController } from './operator/sessions-admin.controller';
import { HandoverLifecycle } from './domain/handover-lifecycle';
import { HandoverTimers } from './timers/handover-timers';
import { HandoverController } from './bot-api/handover.controller';
import { HandoverService } from './bot-api/handover.service';
import { ProviderEventIntake } from './provider-intake/provider-event-intake';
import { RelayHandlers } from './lanes/relay-handlers';
import { SessionViews } from './operator/session-views';

/** The handover lifecycle: bot API, provider events in, relay both ways, timers, operator views. */
@Module({
  imports: [AdminModule, EndpointsModule, SessionsModule, RelayModule, DeliveryModule],
  controllers: [HandoverController, HandoverAdminController],
  providers: [
    HandoverService,
    HandoverLifecycle,
    ProviderEventIntake,
    RelayHandlers,
    DeliveryReceipts,
    HandoverTimers,
    SessionViews,
    EndpointApiKeyGuard,
    ConversationWatchRestorer,
  ],
})
export class HandoverModule {}
