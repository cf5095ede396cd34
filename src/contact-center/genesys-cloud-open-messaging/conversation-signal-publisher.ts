import { Injectable } from '@nestjs/common';
import { ProviderEventSink } from '../provider-event-sink';
import type { ConversationSignalEvent } from '../provider-events';
import { AgentDirectory } from './agent-directory';
import { signalFromNotification } from './conversation-signals';
import type { GenesysEndpoint } from './genesys-api-client';
import type { NotificationMessage } from './genesys-types';

/**
 * The one path from Genesys notification messages (WebSocket frames and Process Automation deliveries) to
 * `conversation.signal` events for the handover: map the topic, add the agent's name to agent.joined, hand them on.
 */
@Injectable()
export class ConversationSignalPublisher {
  constructor(
    private readonly sink: ProviderEventSink,
    private readonly agents: AgentDirectory,
  ) {}

  /** Resolves with the events handed on once the sink accepted them; rejects when it could not store them. */
  async publish(endpoint: GenesysEndpoint, messages: NotificationMessage[]): Promise<ConversationSignalEvent[]> {
    const events = messages.map(signalFromNotification).filter((e): e is ConversationSignalEvent => e !== undefined);
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
