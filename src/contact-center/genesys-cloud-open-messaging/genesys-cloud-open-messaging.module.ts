import { Module } from '@nestjs/common';
import { EndpointsModule } from '../../endpoints/endpoints.module';
import { AgentDirectory } from './agent-directory';
import { ConversationSignalPublisher } from './conversation-signal-publisher';
import { GenesysApiClient } from './genesys-api-client';
import { GenesysAuth } from './genesys-auth';
import { GenesysCloudOpenMessagingProvider } from './genesys-cloud-open-messaging.provider';
import { GenesysWebhookController } from './genesys-webhook.controller';
import { GenesysNotifications } from './notifications/genesys-notifications';
import { ProviderHealth } from './notifications/provider-health';
import { RedisRateLimiter } from './rate-limiter';

/** Genesys Cloud Open Messaging: the provider, its webhook intake and notifications client. */
@Module({
  imports: [EndpointsModule],
  controllers: [GenesysWebhookController],
  providers: [
    GenesysAuth,
    RedisRateLimiter,
    GenesysApiClient,
    AgentDirectory,
    ConversationSignalPublisher,
    ProviderHealth,
    GenesysNotifications,
    GenesysCloudOpenMessagingProvider,
  ],
  exports: [GenesysCloudOpenMessagingProvider],
})
export class GenesysCloudOpenMessagingModule {}
