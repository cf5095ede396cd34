import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EndpointsService } from '../endpoints/endpoints.service';
import { ProviderRegistry } from '../providers/provider-registry';
import { SessionsRepository } from '../sessions/sessions.repository';

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
    for await (const handover of this.sessions.liveHandovers()) {
      if (!handover.conversationId) continue;
      const endpoint = await this.endpoints.find(handover.endpointId);
      if (!endpoint) continue;
      await this.providers
        .get(endpoint.provider.type)
        .watchConversation(endpoint, handover.conversationId)
        .then(() => watched++)
        .catch((err: Error) => this.logger.warn(`Cannot watch conversation ${handover.conversationId}: ${err.message}`));
    }
    if (watched > 0) this.logger.log(`Watching ${watched} live conversation(s) again`);
    return watched;
  }
}
