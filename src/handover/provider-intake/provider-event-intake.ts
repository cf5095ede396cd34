import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import type { Endpoint } from '../../endpoints/endpoint.model';
import { ProviderEventSink } from '../../contact-center/provider-event-sink';
import type { AgentMessageEvent, AgentTypingEvent, ConversationSignalEvent, ProviderEvent } from '../../contact-center/provider-events';
import { RedisService } from '../../infrastructure/redis/redis.service';
import type { Handover, MessageOffers } from '../domain/handover.model';
import { CURRENT_AGENT, HandoverIdentity, QueueMessageRequest, SessionsRepository } from '../store/sessions.repository';
import { HandoverLifecycle } from '../domain/handover-lifecycle';
import { startAgentCheck, stopAgentCheck } from './agent-checks';

/** How far the provider's clock may be behind ours when an event's time is compared with a handover's start. */
const CLOCK_SKEW_MS = 2000;

/**
 * What an agent message offered to pick from, kept on its timeline entry so that the customer's pick (a bot message
 * with `quickReply`) can be sent back as what it answers (HandoverService).
 */
function offersOf(event: AgentMessageEvent): { offers?: MessageOffers } {
  const offers: MessageOffers = {};
  if (event.quickReplies.length > 0) offers.QuickReply = event.quickReplies.map((q) => q.payload);
  const buttons = event.cards.flatMap((c) => c.actions).filter((a) => a.type === 'postback');
  if (buttons.length > 0) offers.Button = buttons.map((a) => a.payload ?? a.text);
  if (event.datePicker) offers.DatePicker = event.datePicker.availableTimes.map((t) => t.dateTime);
  return Object.keys(offers).length > 0 ? { offers } : {};
}

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
        // Inbound receipts are about the customer's own messages: a Failed one is Genesys refusing a customer
        // message (e.g. a media type the integration does not allow), not an agent message that failed.
        if (event.status === 'Failed') {
          await this.sessions.appendTimeline(
            handover.endpointId,
            handover.sessionId,
            this.lifecycle.timeline(
              handover,
              event.direction === 'Inbound' ? 'provider.customer_message_rejected' : 'provider.receipt_failed',
              {
                providerMessageId: event.providerEventId.replace(/:Failed$/, ''),
                reasons: event.reasons,
              },
            ),
          );
        }
      } else {
        await this.signal(endpoint, handover, event);
      }
    }
  }

  private async findHandover(endpointId: string, event: ProviderEvent): Promise<Handover | undefined> {
    const identity = await this.findIdentity(endpointId, event);
    const handover = identity ? await this.sessions.getHandover(identity.id) : undefined;
    if (handover?.state !== 'ended') return handover;
    const owner = await this.currentOwner(endpointId, event, handover);
    return owner ? this.sessions.getHandover(owner.id) : handover;
  }

  /**
   * The event's conversation resolved to an ended handover, but the provider may have reopened it for a newer one
   * (Genesys threading timeline): the mapping another process wrote since, or the user's live handover that has
   * this conversation. While that handover is still opening (no conversation yet) the event cannot be placed: the
   * sender retries (a WebSocket event in memory, a webhook with 503).
   */
  private async currentOwner(
    endpointId: string,
    event: ProviderEvent,
    stale: Pick<Handover, 'id' | 'userId'>,
  ): Promise<HandoverIdentity | undefined> {
    if (!event.conversationId) return undefined;
    const mapped = await this.sessions.identityOfConversation(event.conversationId, { fresh: true });
    if (mapped && mapped.id !== stale.id) return mapped;
    const sessionId = await this.sessions.liveSessionOfUser(endpointId, stale.userId);
    const live = sessionId ? await this.sessions.identityOfSession(endpointId, sessionId) : undefined;
    if (!live || live.id === stale.id) return undefined;
    const handover = await this.sessions.getHandover(live.id);
    if (!handover || handover.state === 'ended') return undefined;
    if (handover.conversationId === event.conversationId) return live;
    if (!handover.conversationId) {
      throw new Error(`Conversation ${event.conversationId} may be reopening for handover ${live.id}; retry the event`);
    }
    return undefined;
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
  private async relayToBot(endpoint: Endpoint, event: AgentMessageEvent | AgentTypingEvent, retried?: HandoverIdentity): Promise<void> {
    const handover = retried ?? (await this.findIdentity(endpoint.id, event));
    if (!handover || handover.endpointId !== endpoint.id) {
      this.logger.debug(`Dropped ${event.kind} ${event.providerEventId}: no live handover`);
      return;
    }
    // Older than the handover (with 2 s for clocks apart): a late delivery from an earlier handover whose
    // conversation the provider reopened for this one.
    if (handover.createdAt && Date.parse(event.time) < Date.parse(handover.createdAt) - CLOCK_SKEW_MS) {
      this.logger.debug(`Dropped ${event.kind} ${event.providerEventId}: older than handover ${handover.id}`);
      return;
    }
    const named = event.kind === 'agent.message' ? event.agentName : undefined;
    const agent = named ? { name: named } : CURRENT_AGENT;
    const dedupeKey = this.redis.key('dedupe', 'provider', handover.endpointId, event.kind, event.providerEventId);
    const request: QueueMessageRequest =
      event.kind === 'agent.typing'
        ? { lane: 'to-bot', dedupeKey, entry: this.lifecycle.botEntry(handover, 'agent.typing', { durationMs: event.durationMs, agent }) }
        : {
            lane: 'to-bot',
            dedupeKey,
            requireActive: event.originatingEntity !== 'Bot',
            entry: this.lifecycle.botEntry(
              handover,
              'agent.message',
              {
                messageId: event.providerEventId,
                text: event.text,
                attachments: event.attachments,
                quickReplies: event.quickReplies,
                ...(event.cards.length > 0 ? { cards: event.cards } : {}),
                ...(event.datePicker ? { datePicker: event.datePicker } : {}),
                ...(event.listPicker ? { listPicker: event.listPicker } : {}),
                ...(event.location ? { location: event.location } : {}),
                ...(event.otherContent ? { otherContent: event.otherContent } : {}),
                agent,
              },
              { providerMessageId: event.providerEventId, customer: handover.customer },
            ),
            timeline: this.lifecycle.timeline(handover, 'agent.message', {
              providerMessageId: event.providerEventId,
              text: event.text,
              attachments: event.attachments.length,
              ...offersOf(event),
            }),
            activity: this.lifecycle.activity(endpoint),
          };
    let result = await this.sessions.queueMessage(handover, request);
    if (result === 'inactive') {
      await this.lifecycle.agentJoined(handover, named);
      result = await this.sessions.queueMessage(handover, { ...request, requireActive: false });
    }
    if (result === 'rejected' && !retried) {
      const owner = await this.currentOwner(endpoint.id, event, handover);
      if (owner) return this.relayToBot(endpoint, event, owner);
    }
    if (result === 'rejected') this.logger.debug(`Dropped ${event.kind} ${event.providerEventId}: no live handover`);
  }

  /**
   * Lifecycle signals. Alerting is no join (the agent may not answer); an agent whose leg ends unanswered leaves the
   * handover where it was (queued, the queue timeout still counting). A transfer keeps the handover. An agent who
   * left for good starts a short grace (a transfer may still arrive as a new agent) that wrap-up or the customer's
   * disconnect cuts short.
   */
  private async signal(endpoint: Endpoint, handover: Handover, event: ConversationSignalEvent): Promise<void> {
    if (event.participantId && handover.earlierLegs?.includes(event.participantId)) {
      this.logger.debug(`Dropped ${event.signal} of leg ${event.participantId}: it belongs to handover ${handover.rethreadedFrom}`);
      return;
    }
    const detail = (extra: Record<string, unknown> = {}) => ({
      ...(event.agentUserId ? { agentUserId: event.agentUserId } : {}),
      ...(event.disconnectType ? { disconnectType: event.disconnectType } : {}),
      ...extra,
    });
    switch (event.signal) {
      case 'agent.alerting':
        await this.sessions.cancelTimer('agent-left', handover.id);
        await this.sessions.appendTimeline(
          handover.endpointId,
          handover.sessionId,
          this.lifecycle.timeline(handover, 'agent.alerting', detail()),
        );
        if (event.participantId) await startAgentCheck(this.sessions, handover.id, event.participantId, event.agentUserId);
        break;
      case 'agent.joined':
        await this.lifecycle.agentAnswered(endpoint, handover, event.agentName, event.agentUserId);
        break;
      case 'agent.left':
        if (event.participantId && event.participantId === handover.alertingParticipantId) await stopAgentCheck(this.sessions, handover.id);
        if (event.unanswered) {
          await this.sessions.appendTimeline(
            handover.endpointId,
            handover.sessionId,
            this.lifecycle.timeline(handover, 'agent.not_answered', detail()),
          );
        } else if (event.disconnectClass === 'transfer') {
          await this.sessions.appendTimeline(
            handover.endpointId,
            handover.sessionId,
            this.lifecycle.timeline(handover, 'agent.transferred', detail({ agent: handover.agentName })),
          );
        } else if (handover.state === 'active') {
          await this.sessions.schedule('agent-left', handover.id, Date.now() + this.config.agentLeftGraceMs);
        }
        break;
      case 'queue.left':
        await this.sessions.appendTimeline(
          handover.endpointId,
          handover.sessionId,
          this.lifecycle.timeline(handover, 'queue.left', detail({ outcome: event.queueOutcome })),
        );
        break;
      case 'agent.wrapup':
        // Wrap-up also follows a transfer; only an agent who left without one ends the handover here.
        if (await this.sessions.hasTimer('agent-left', handover.id)) await this.lifecycle.end(handover, 'agent_ended');
        break;
      case 'customer.left':
        await this.lifecycle.end(handover, event.endedBy === 'agent' ? 'agent_ended' : 'customer_ended');
        break;
    }
  }
}
