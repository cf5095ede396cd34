import { Module } from '@nestjs/common';
import { EndpointsModule } from '../../endpoints/endpoints.module';
import { ProviderRateLimiter } from '../provider-rate-limiter';
import { GenesysMcxWebhookController, RoutingTokenGuard } from './genesys-mcx-webhook.controller';
import { GenesysMulticloudCxProvider } from './genesys-multicloud-cx.provider';
import { NexusApiClient } from './nexus-api-client';

/** Genesys Multicloud CX Third-Party Messaging: the provider, its Nexus client and its webhook intake. */
@Module({
  imports: [EndpointsModule],
  controllers: [GenesysMcxWebhookController],
  providers: [ProviderRateLimiter, NexusApiClient, GenesysMulticloudCxProvider, RoutingTokenGuard],
  exports: [GenesysMulticloudCxProvider],
})
export class GenesysMulticloudCxModule {}
