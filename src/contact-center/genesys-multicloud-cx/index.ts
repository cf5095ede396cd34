import type { ContactCenterPlugin } from '../contact-center-provider';
import { genesysMulticloudCxDefinition } from './genesys-multicloud-cx-settings';
import { GenesysMulticloudCxModule } from './genesys-multicloud-cx.module';
import { GenesysMulticloudCxProvider } from './genesys-multicloud-cx.provider';

export const genesysMulticloudCx: ContactCenterPlugin = {
  module: GenesysMulticloudCxModule,
  provider: GenesysMulticloudCxProvider,
  definition: genesysMulticloudCxDefinition,
};
