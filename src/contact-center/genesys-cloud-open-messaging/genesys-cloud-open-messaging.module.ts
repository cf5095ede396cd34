import { Module } from '@nestjs/common';
import { EndpointsModule } from '../../endpoints/endpoints.module';
import { AgentDirectory } from './agent-directory';
import { ConversationSignalPublisher } from './conversation-signal-publisher';
import { GenesysApiClient } from './genesys-api-client';
import { GenesysAuth } from './genesys-auth';
import { GenesysCloudOpenMessagingProvider } from './genesys-cloud-open-messaging.provider';
import { GenesysWebhookController } from './genesys-webhook.controller';
import { GenesysNotifications } from './notifications/genesys-notifications';
import { NotificationOwners } from './notifications/notification-owners';
import { ProviderProblems } from './notifications/provider-problems';
import { ProviderRateLimiter } from '../provider-rate-limiter';

/** Genesys Cloud Open Messaging: the provider, its webhook intake and notifications client. */
@Module({
  imports: [EndpointsModule],
  controllers: [GenesysWebhookController],
  providers: [
    GenesysAuth,
    ProviderRateLimiter,
    GenesysApiClient,
    AgentDirectory,
    ConversationSignalPublisher,
    ProviderProblems,
    GenesysNotifications,
    NotificationOwners,
    GenesysCloudOpenMessagingProvider,
  ],
  exports: [GenesysCloudOpenMessagingProvider],
})
export class GenesysCloudOpenMessagingModule {}
