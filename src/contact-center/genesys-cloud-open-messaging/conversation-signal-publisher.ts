import { Injectable, Logger } from '@nestjs/common';
import { ProviderEventSink } from '../provider-event-sink';
import type { ConversationSignalEvent } from '../provider-events';
import { AgentDirectory } from './agent-directory';
import { signalFromNotification } from './conversation-signals';
import { readDisconnectType } from './disconnect-types';
import type { GenesysEndpoint } from './genesys-api-client';
import type { NotificationMessage } from './genesys-types';

/**
 * The one path from Genesys notification messages (WebSocket frames and Process Automation deliveries) to
 * `conversation.signal` events for the handover: map the topic, add the agent's name to agent.joined, hand them on.
 */
@Injectable()
export class ConversationSignalPublisher {
  private readonly logger = new Logger(ConversationSignalPublisher.name);
  /** disconnectType values Genesys sent that the table does not know, each logged once per process. */
  private readonly unknownValues = new Set<string>();

  constructor(
    private readonly sink: ProviderEventSink,
    private readonly agents: AgentDirectory,
  ) {}

  /** Resolves with the events handed on once the sink accepted them; rejects when it could not store them. */
  async publish(endpoint: GenesysEndpoint, messages: NotificationMessage[]): Promise<ConversationSignalEvent[]> {
    const events = messages.map(signalFromNotification).filter((e): e is ConversationSignalEvent => e !== undefined);
    for (const e of events) {
      if (!e.disconnectType || readDisconnectType(e.disconnectType).known || this.unknownValues.has(e.disconnectType)) continue;
      if (this.unknownValues.size < 100) this.unknownValues.add(e.disconnectType);
      this.logger.warn(`Genesys sent an unknown disconnectType '${e.disconnectType.slice(0, 64)}' (read as unknown)`);
    }
    await Promise.all(
      events
        .filter((e) => e.signal === 'agent.joined' && e.agentUserId)
        .map(async (e) => {
          const name = await this.agents.name(endpoint, e.agentUserId!);
          if (name) e.agentName = name;
        }),
    );
    if (events.length > 0) await this.sink.accept(endpoint, events);
    return events;
  }
}
