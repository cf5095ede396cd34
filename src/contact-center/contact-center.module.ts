import { Global, Module } from '@nestjs/common';
import { PROVIDER_DEFINITIONS } from '../endpoints/provider-definition';
import type { ContactCenterProvider } from './contact-center-provider';
import { genesysCloudOpenMessaging } from './genesys-cloud-open-messaging';
import { genesysMulticloudCx } from './genesys-multicloud-cx';
import { CONTACT_CENTER_PROVIDERS, ProviderRegistry } from './provider-registry';

/** Every contact-center provider: adding one is a folder with an index.ts plugin, and one line here. */
const PLUGINS = [genesysCloudOpenMessaging, genesysMulticloudCx];

/**
 * The contact-center providers behind the ContactCenterProvider boundary. Global, so that the endpoints module
 * gets the providers' settings definitions and the handover module the registry without importing a provider.
 */
@Global()
@Module({
  imports: PLUGINS.map((plugin) => plugin.module),
  providers: [
    {
      provide: CONTACT_CENTER_PROVIDERS,
      useFactory: (...providers: ContactCenterProvider[]) => providers,
      inject: PLUGINS.map((plugin) => plugin.provider),
    },
    { provide: PROVIDER_DEFINITIONS, useValue: PLUGINS.map((plugin) => plugin.definition) },
    ProviderRegistry,
  ],
  exports: [ProviderRegistry, PROVIDER_DEFINITIONS],
})
export class ContactCenterModule {}
