import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import type { Endpoint } from '../../endpoints/endpoint.model';
import { ProviderEventSink } from '../../contact-center/provider-event-sink';
import type { AgentMessageEvent, AgentTypingEvent, ConversationSignalEvent, ProviderEvent } from '../../contact-center/provider-events';
import { RedisService } from '../../infrastructure/redis/redis.service';
import type { Handover } from '../domain/handover.model';
import { HandoverIdentity, QueueMessageRequest, SessionsRepository } from '../store/sessions.repository';
import { HandoverLifecycle } from '../domain/handover-lifecycle';

/**
 * Turns normalised provider events (webhooks, notifications) into bot events and state changes. Events for
 * an unknown or ended handover are acknowledged and dropped, so late agent webhooks never reach the bot.
 */
@Injectable()
export class ProviderEventIntake implements ProviderEventSink {
  private readonly logger = new Logger(ProviderEventIntake.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly lifecycle: HandoverLifecycle,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  async accept(endpoint: Endpoint, events: ProviderEvent[]): Promise<void> {
    const endpointId = endpoint.id;
    for (const event of events) {
      if (event.kind === 'agent.message' || event.kind === 'agent.typing') {
        await this.relayToBot(endpoint, event);
        continue;
      }
      const handover = await this.findHandover(endpointId, event);
      if (!handover || handover.endpointId !== endpointId || handover.state === 'ended') {
        this.logger.debug(`Dropped ${event.kind} ${event.providerEventId}: no live handover`);
        continue;
      }
      if (event.kind === 'receipt') {
        if (event.status === 'Failed') {
          await this.sessions.appendTimeline(
            handover.endpointId,
            handover.sessionId,
            this.lifecycle.timeline(handover, 'provider.receipt_failed', {
              providerMessageId: event.providerEventId,
              reasons: event.reasons,
            }),
          );
        }
      } else {
        await this.signal(endpoint, handover, event);
      }
    }
  }

  private async findHandover(endpointId: string, event: ProviderEvent): Promise<Handover | undefined> {
    const identity = await this.findIdentity(endpointId, event);
    return identity ? this.sessions.getHandover(identity.id) : undefined;
  }

  private async findIdentity(endpointId: string, event: ProviderEvent): Promise<HandoverIdentity | undefined> {
    const byConversation = event.conversationId ? await this.sessions.identityOfConversation(event.conversationId) : undefined;
    if (byConversation) return byConversation;
    if (!event.customerId) return undefined;
    const sessionId = await this.sessions.liveSessionOfUser(endpointId, event.customerId);
    return sessionId ? this.sessions.identityOfSession(endpointId, sessionId) : undefined;
  }

  /**
   * The hot path: one atomic script checks the handover is live, de-duplicates, queues the event for the bot and
   * records it. The first message of a human agent is proof enough that one joined, even before the notification:
   * the script then answers `inactive` and the join is recorded (and announced to the bot) first.
   */
  private async relayToBot(endpoint: Endpoint, event: AgentMessageEvent | AgentTypingEvent): Promise<void> {
    const handover = await this.findIdentity(endpoint.id, event);
    if (!handover || handover.endpointId !== endpoint.id) {
      this.logger.debug(`Dropped ${event.kind} ${event.providerEventId}: no live handover`);
      return;
    }
    const named = event.kind === 'agent.message' ? event.agentName : undefined;
    // Without a name in the event, the bot gets the handover's agent as it is when the event is queued.
    const agent = named ? { name: named } : {};
    const currentAgent = !named;
    const dedupeKey = this.redis.keys.providerEventSeen(handover.endpointId, event.kind, event.providerEventId);
    const request: QueueMessageRequest =
      event.kind === 'agent.typing'
        ? {
            lane: 'to-bot',
            dedupeKey,
            annotateAgentName: currentAgent,
            entry: this.lifecycle.botEntry(handover, 'agent.typing', { durationMs: event.durationMs, agent }, { currentAgent }),
          }
        : {
            lane: 'to-bot',
            dedupeKey,
            annotateAgentName: currentAgent,
            requireActive: event.originatingEntity !== 'Bot',
            entry: this.lifecycle.botEntry(
              handover,
              'agent.message',
              {
                text: event.text,
                attachments: event.attachments,
                quickReplies: event.quickReplies,
                ...(event.cards.length > 0 ? { cards: event.cards } : {}),
                ...(event.datePicker ? { datePicker: event.datePicker } : {}),
                agent,
              },
              { receiptFor: { providerMessageId: event.providerEventId, customer: handover.customer }, currentAgent },
            ),
            timeline: this.lifecycle.timeline(handover, 'agent.message', {
              providerMessageId: event.providerEventId,
              text: event.text,
              attachments: event.attachments.length,
            }),
            activity: this.lifecycle.activity(endpoint),
          };
    let result = await this.sessions.queueMessage(handover, request);
    if (result === 'inactive') {
      await this.lifecycle.agentJoined(handover, named);
      result = await this.sessions.queueMessage(handover, { ...request, requireActive: false });
    }
    if (result === 'rejected') this.logger.debug(`Dropped ${event.kind} ${event.providerEventId}: no live handover`);
  }

  /**
   * Agent left without a transfer: wait a little (a transfer may still arrive as a new agent) unless wrap-up or
   * the customer's disconnect confirms the end.
   */
  private async signal(endpoint: Endpoint, handover: Handover, event: ConversationSignalEvent): Promise<void> {
    switch (event.signal) {
      case 'agent.joined':
        await this.sessions.cancelTimer('agent-left', handover.id);
        if (await this.lifecycle.agentJoined(handover, event.agentName)) await this.lifecycle.touch(endpoint, handover.id);
        break;
      case 'agent.left':
        if (event.disconnectType === 'transfer') {
          await this.sessions.appendTimeline(
            handover.endpointId,
            handover.sessionId,
            this.lifecycle.timeline(handover, 'agent.transferred', { agent: handover.agentName }),
          );
        } else if (handover.state === 'active') {
          await this.sessions.schedule('agent-left', handover.id, Date.now() + this.config.agentLeftGraceMs);
        }
        break;
      case 'agent.wrapup':
        // Wrap-up also follows a transfer; only an agent who left without one ends the handover here.
        if (await this.sessions.hasTimer('agent-left', handover.id)) await this.lifecycle.end(handover, 'agent_ended');
        break;
      case 'customer.left':
        await this.lifecycle.end(handover, event.disconnectType === 'peer' ? 'agent_ended' : 'customer_ended');
        break;
    }
  }
}
