import { Global, Module } from '@nestjs/common';
import { AdminModule } from '../auth/admin.module';
import { BotModule } from '../bot/bot.module';
import { LiveHandoverDirectory, ProviderEventSink } from '../contact-center/provider-event-sink';
import { EndpointApiKeyGuard } from '../endpoints/endpoint-api-key.guard';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { RelayModule } from '../relay/relay.module';
import { HandoverController } from './bot-api/handover.controller';
import { HandoverService } from './bot-api/handover.service';
import { HandoverLifecycle } from './domain/handover-lifecycle';
import { DeliveryReceipts } from './lanes/delivery-receipts';
import { ToAgentLane } from './lanes/to-agent.lane';
import { ToBotLane } from './lanes/to-bot.lane';
import { SessionViews } from './operator/session-views';
import { SessionsAdminController } from './operator/sessions-admin.controller';
import { AgentChecks } from './provider-intake/agent-checks';
import { ProviderEventIntake } from './provider-intake/provider-event-intake';
import { SessionsModule } from './store/sessions.module';
import { HandoverTimers } from './timers/handover-timers';

/**
 * The handover lifecycle: bot API, provider events in, both lanes' delivery, timers, operator views. Global only
 * to provide the ProviderEventSink and LiveHandoverDirectory to the provider modules (they cannot import this module, which depends on them).
 */
@Global()
@Module({
  imports: [AdminModule, EndpointsModule, SessionsModule, RelayModule, BotModule],
  controllers: [HandoverController, SessionsAdminController],
  providers: [
    HandoverService,
    HandoverLifecycle,
    ProviderEventIntake,
    { provide: ProviderEventSink, useExisting: ProviderEventIntake },
    { provide: LiveHandoverDirectory, useExisting: ProviderEventIntake },
    ToAgentLane,
    ToBotLane,
    DeliveryReceipts,
    HandoverTimers,
    SessionViews,
    EndpointApiKeyGuard,
    AgentChecks,
  ],
  exports: [ProviderEventSink, LiveHandoverDirectory],
})
export class HandoverModule {}
