import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EndpointsService } from '../endpoints/endpoints.service';
import type { Endpoint } from '../endpoints/endpoint.model';
import type { CustomerProfile } from '../providers/contact-center-provider';
import { ProviderEventBus } from '../providers/provider-event-bus';
import type { AgentMessageEvent, AgentTypingEvent, ConversationSignalEvent, ProviderEvent } from '../providers/provider-events';
import { RedisService } from '../redis/redis.service';
import { SessionMailbox } from '../relay/session-mailbox';
import type { Handover } from '../sessions/session.model';
import { SessionsRepository } from '../sessions/sessions.repository';
import type { BotLaneBody } from './agent-commands';
import { HandoverLifecycle } from './handover-lifecycle';
import { HandoverService } from './handover.service';
import type { MailboxEntry } from '../relay/session-mailbox';

const DEDUPE_TTL_SECONDS = 24 * 3600;

/**
 * Turns normalised provider events (webhooks, notifications) into bot events and state changes. Events for
 * an unknown or ended handover are acknowledged and dropped, so late agent webhooks never reach the bot.
 */
@Injectable()
export class ProviderEventIntake implements OnModuleInit {
  private readonly logger = new Logger(ProviderEventIntake.name);

  constructor(
    private readonly bus: ProviderEventBus,
    private readonly endpoints: EndpointsService,
    private readonly sessions: SessionsRepository,
    private readonly lifecycle: HandoverLifecycle,
    private readonly handovers: HandoverService,
    private readonly mailbox: SessionMailbox,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.bus.setHandler((endpointId, events) => this.accept(endpointId, events));
  }

  async accept(endpointId: string, events: ProviderEvent[]): Promise<void> {
    const endpoint = await this.endpoints.get(endpointId);
    for (const event of events) {
      const handover = await this.findHandover(endpointId, event);
      if (!handover || handover.endpointId !== endpointId || handover.state === 'ended') {
        this.logger.debug(`Dropped ${event.kind} ${event.providerEventId}: no live handover`);
        continue;
      }
      switch (event.kind) {
        case 'agent.message':
          await this.agentMessage(endpoint, handover, event);
          break;
        case 'agent.typing':
          await this.pushToBot(handover, event, this.lifecycle.botEntry(handover, 'agent.typing', { durationMs: event.durationMs, agent: agentOf(handover) }));
          break;
        case 'receipt':
          if (event.status === 'Failed') {
            await this.sessions.appendTimeline(handover.endpointId, handover.sessionId, this.lifecycle.timeline(handover, 'provider.receipt_failed', { providerMessageId: event.providerEventId, reasons: event.reasons }));
          }
          break;
        case 'conversation.signal':
          await this.signal(endpoint, handover, event);
          break;
      }
    }
  }

  private async findHandover(endpointId: string, event: ProviderEvent): Promise<Handover | undefined> {
    const byConversation = event.conversationId ? await this.sessions.handoverOfConversation(event.conversationId) : undefined;
    if (byConversation) return this.sessions.getHandover(byConversation);
    if (!event.customerId) return undefined;
    const sessionId = await this.sessions.liveSessionOfUser(endpointId, event.customerId);
    const session = sessionId ? await this.sessions.getSession(endpointId, sessionId) : undefined;
    return session?.handoverId ? this.sessions.getHandover(session.handoverId) : undefined;
  }

  private async agentMessage(endpoint: Endpoint, handover: Handover, event: AgentMessageEvent): Promise<void> {
    // The first message of a human agent is proof enough that one joined, even before the notification.
    if (event.originatingEntity !== 'Bot' && handover.state !== 'active') {
      await this.lifecycle.agentJoined(handover, event.agentName);
      handover = (await this.sessions.getHandover(handover.id)) ?? handover;
    }
    const customer = (await this.sessions.getHandoverField<CustomerProfile>(handover.id, 'customer')) ?? { id: handover.userId };
    const entry = this.lifecycle.botEntry(
      handover,
      'agent.message',
      {
        text: event.text,
        attachments: event.attachments,
        quickReplies: event.quickReplies,
        ...(event.cards.length > 0 ? { cards: event.cards } : {}),
        ...(event.datePicker ? { datePicker: event.datePicker } : {}),
        agent: event.agentName ? { name: event.agentName } : agentOf(handover),
      },
      { providerMessageId: event.providerEventId, customer },
    );
    if ((await this.pushToBot(handover, event, entry)) === 'queued') {
      await this.sessions.appendTimeline(handover.endpointId, handover.sessionId, this.lifecycle.timeline(handover, 'agent.message', { providerMessageId: event.providerEventId, text: event.text, attachments: event.attachments.length }));
      await this.handovers.touch({ endpoint, handover });
    }
  }

  private pushToBot(handover: Handover, event: AgentMessageEvent | AgentTypingEvent, entry: MailboxEntry<BotLaneBody>) {
    return this.mailbox.push('to-bot', handover.endpointId, handover.sessionId, entry, {
      dedupeKey: this.redis.key('dedupe', 'provider', handover.endpointId, event.kind, event.providerEventId),
      dedupeTtlSeconds: DEDUPE_TTL_SECONDS,
      requireLiveHandoverKey: this.sessions.liveGuardKey(handover.id),
    });
  }

  /**
   * Agent left without a transfer: wait a little (a transfer may still arrive as a new agent) unless wrap-up or
   * the customer's disconnect confirms the end.
   */
  private async signal(endpoint: Endpoint, handover: Handover, event: ConversationSignalEvent): Promise<void> {
    switch (event.signal) {
      case 'agent.joined':
        await this.sessions.cancelTimer('agent-left', handover.id);
        if (await this.lifecycle.agentJoined(handover, event.agentName)) await this.handovers.touch({ endpoint, handover });
        break;
      case 'agent.left':
        if (event.disconnectType === 'transfer') {
          await this.sessions.appendTimeline(handover.endpointId, handover.sessionId, this.lifecycle.timeline(handover, 'agent.transferred', { agent: handover.agentName }));
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

function agentOf(handover: Handover): { name?: string } {
  return handover.agentName ? { name: handover.agentName } : {};
}
