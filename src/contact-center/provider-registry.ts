import { Inject, Injectable } from '@nestjs/common';
import type { Endpoint } from '../endpoints/endpoint.model';
import type { ContactCenterProvider } from './contact-center-provider';
import { ProviderRejectedError } from './provider-errors';

/** Every ContactCenterProvider implementation, collected by ContactCenterModule. */
export const CONTACT_CENTER_PROVIDERS = Symbol('CONTACT_CENTER_PROVIDERS');

/** Finds the provider implementation for an endpoint's `provider.type`; the handover code knows no other. */
@Injectable()
export class ProviderRegistry {
  private readonly byType = new Map<string, ContactCenterProvider>();

  constructor(@Inject(CONTACT_CENTER_PROVIDERS) providers: ContactCenterProvider[]) {
    for (const provider of providers) {
      if (this.byType.has(provider.type)) throw new Error(`Two contact-center providers claim type ${provider.type}`);
      this.byType.set(provider.type, provider);
    }
  }

  get(type: string): ContactCenterProvider {
    const provider = this.byType.get(type);
    if (!provider) throw new ProviderRejectedError(`No contact-center provider for type ${type}`);
    return provider;
  }

  forEndpoint(endpoint: Endpoint): ContactCenterProvider {
    return this.get(endpoint.provider.type);
  }

  types(): string[] {
    return [...this.byType.keys()];
  }
}
