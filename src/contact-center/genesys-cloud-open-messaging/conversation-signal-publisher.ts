import { Injectable } from '@nestjs/common';
import { ProviderEventBus } from '../provider-event-bus';
import type { ConversationSignalEvent } from '../provider-events';
import { AgentDirectory } from './agent-directory';
import { signalFromNotification } from './conversation-signals';
import type { GenesysEndpoint } from './genesys-api-client';
import type { NotificationMessage } from './genesys-types';

/**
 * The one path from Genesys notification messages (WebSocket frames and Process Automation deliveries) to
 * `conversation.signal` events on the bus: map the topic, add the agent's name to agent.joined, publish.
 */
@Injectable()
export class ConversationSignalPublisher {
  constructor(
    private readonly bus: ProviderEventBus,
    private readonly agents: AgentDirectory,
  ) {}

  /** Resolves with the events published once the bus accepted them; rejects when it could not store them. */
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
    await this.bus.publish(endpoint.id, events);
    return events;
  }
}
