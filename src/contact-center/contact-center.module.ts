import { Global, Module } from '@nestjs/common';
import { OutboundHttp } from '../infrastructure/http/outbound-http';
import type { ContactCenterProvider } from './contact-center-provider';
import { GenesysOpenMessagingModule } from './genesys-cloud-open-messaging/genesys-cloud-open-messaging.module';
import { GenesysOpenMessagingProvider } from './genesys-cloud-open-messaging/genesys-cloud-open-messaging.provider';
import { ProviderEventBus } from './provider-event-bus';
import { CONTACT_CENTER_PROVIDERS, ProviderRegistry } from './provider-registry';

/**
 * Contact-center providers. A new one (e.g. Genesys Multicloud CX Third-Party Messaging) is a folder with its own
 * module exporting its ContactCenterProvider; add the module to `imports` and the provider to `inject` below.
 * Global, so provider modules and the handover module share one ProviderEventBus and one OutboundHttp.
 */
@Global()
@Module({
  imports: [GenesysOpenMessagingModule],
  providers: [
    OutboundHttp,
    ProviderEventBus,
    {
      provide: CONTACT_CENTER_PROVIDERS,
      useFactory: (...providers: ContactCenterProvider[]) => providers,
      inject: [GenesysOpenMessagingProvider],
    },
    ProviderRegistry,
  ],
  exports: [OutboundHttp, ProviderEventBus, ProviderRegistry],
})
export class ProvidersModule {}
