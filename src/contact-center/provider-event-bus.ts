import { Injectable } from '@nestjs/common';
import type { ProviderEvent } from './provider-events';

export type ProviderEventHandler = (endpointId: string, events: ProviderEvent[]) => Promise<void>;

/**
 * Where provider modules (webhook controllers, notification clients) hand normalised events to the handover
 * module, without depending on it. `publish` resolves once the events are durably accepted, so a webhook
 * controller may answer 200 only after it returns; it rejects when they could not be stored (answer 503).
 */
@Injectable()
export class ProviderEventBus {
  private handler?: ProviderEventHandler;

  setHandler(handler: ProviderEventHandler): void {
    if (this.handler) throw new Error('ProviderEventBus already has a handler');
    this.handler = handler;
  }

  async publish(endpointId: string, events: ProviderEvent[]): Promise<void> {
    if (!this.handler) throw new Error('No handler for provider events (is the handover module loaded?)');
    if (events.length > 0) await this.handler(endpointId, events);
  }
}
