import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EndpointsService } from '../../endpoints/endpoints.service';
import { ProviderRegistry } from '../../contact-center/provider-registry';
import { SessionsRepository } from '../store/sessions.repository';

/**
 * Watches started together: a notification channel coalesces the subscriptions asked for at once into one call, so
 * this many conversations cost a few calls per channel instead of one each (each carrying the channel's whole topic
 * list: restoring one at a time was quadratic, and took minutes for tens of thousands of live handovers).
 */
const RESTORE_CONCURRENCY = 1000;

/**
 * Conversation watches (Genesys notification subscriptions) live in process memory. After a restart, or in a
 * newly started replica, re-watch every live handover so that an agent ending it is still noticed.
 */
@Injectable()
export class ConversationWatchRestorer implements OnApplicationBootstrap {
  private readonly logger = new Logger(ConversationWatchRestorer.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly endpoints: EndpointsService,
    private readonly providers: ProviderRegistry,
  ) {}

  onApplicationBootstrap(): void {
    // In the background: boot must not wait for (or fail on) the contact center.
    void this.restore().catch((err: Error) => this.logger.warn(`Restoring conversation watches failed: ${err.message}`));
  }

  async restore(): Promise<number> {
    let watched = 0;
    const inFlight = new Set<Promise<void>>();
    for await (const handover of this.sessions.liveHandovers()) {
      const { conversationId } = handover;
      if (!conversationId) continue;
      const endpoint = await this.endpoints.find(handover.endpointId);
      if (!endpoint) continue;
      const watching: Promise<void> = this.providers
        .get(endpoint.provider.type)
        .watchConversation(endpoint, conversationId)
        .then(
          () => void watched++,
          (err: Error) => this.logger.warn(`Cannot watch conversation ${conversationId}: ${err.message}`),
        )
        .finally(() => inFlight.delete(watching));
      inFlight.add(watching);
      if (inFlight.size >= RESTORE_CONCURRENCY) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (watched > 0) this.logger.log(`Watching ${watched} live conversation(s) again`);
    return watched;
  }
}
