import type { Endpoint } from '../endpoints/endpoint.model';
import type { ProviderEvent } from './provider-events';

/**
 * Where a provider's intake (webhook controllers, notification clients) hands its normalised events, for the
 * endpoint it verified them for. Implemented by the handover module (ProviderEventIntake) and injected by this
 * abstract class, so providers do not depend on the handover code. `accept` resolves once the events are durably
 * accepted, so a webhook controller may answer 200 only after it returns; it rejects when they could not be stored
 * (answer 503).
 */
export abstract class ProviderEventSink {
  abstract accept(endpoint: Endpoint, events: ProviderEvent[]): Promise<void>;
}
