import type { GenesysCloudOpenMessagingSettings } from './genesys-cloud-open-messaging/genesys-cloud-settings';
import type { GenesysMulticloudCxSettings } from './genesys-multicloud-cx/genesys-multicloud-cx-settings';

/** Every provider's settings, discriminated by `type`; each provider folder owns its member. */
export type ProviderSettings = GenesysCloudOpenMessagingSettings | GenesysMulticloudCxSettings;
