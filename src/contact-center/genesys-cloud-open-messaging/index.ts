import type { ContactCenterPlugin } from '../contact-center-provider';
import { genesysCloudOpenMessagingDefinition } from './genesys-cloud-settings';
import { GenesysCloudOpenMessagingModule } from './genesys-cloud-open-messaging.module';
import { GenesysCloudOpenMessagingProvider } from './genesys-cloud-open-messaging.provider';

export const genesysCloudOpenMessaging: ContactCenterPlugin = {
  module: GenesysCloudOpenMessagingModule,
  provider: GenesysCloudOpenMessagingProvider,
  definition: genesysCloudOpenMessagingDefinition,
};
