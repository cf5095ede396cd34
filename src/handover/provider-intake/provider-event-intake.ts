import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import type { Endpoint } from '../../endpoints/endpoint.model';
import type { RoutingData } from '../../contact-center/contact-center-provider';
import {
  BoundHandover,
  CustomerAddress,
  LiveHandoverDirectory,
  ProviderEventOutcome,
  ProviderEventSink,
} from '../../contact-center/provider-event-sink';
import type { AgentMessageEvent, AgentTypingEvent, ConversationSignalEvent, ProviderEvent } from '../../contact-center/provider-events';
import { RedisService } from '../../infrastructure/redis/redis.service';
import { ENDED_BY_US, EndReason, Handover, MessageOffers } from '../domain/handover.model';
import { HandoverIdentity, QueueMessageRequest, QueueMessageResult, SessionsRepository } from '../store/sessions.repository';
import { HandoverLifecycle } from '../domain/handover-lifecycle';
import { LruCache } from '../../infrastructure/lru-cache';
import { startAgentCheck, stopAgentCheck } from './agent-checks';

/** Customers whose live handover is remembered per process (a few hundred bytes each). */
const CUSTOMER_CACHE_SIZE = 50_000;

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
export class ProviderEventIntake implements ProviderEventSink, LiveHandoverDirectory {
  private readonly logger = new Logger(ProviderEventIntake.name);
  /** (endpoint, customer id) → the handover last found live for it, for providers whose events carry nothing else. */
  private readonly byCustomer = new LruCache<string, HandoverIdentity>(CUSTOMER_CACHE_SIZE);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly lifecycle: HandoverLifecycle,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  async accept(endpoint: Endpoint, events: ProviderEvent[]): Promise<ProviderEventOutcome[]> {
    const outcomes: ProviderEventOutcome[] = [];
    for (const event of events) outcomes.push(await this.acceptOne(endpoint, event));
    return outcomes;
  }

  async *liveConversations(endpoint: Endpoint): AsyncGenerator<string> {
    for await (const handover of this.sessions.liveHandovers(endpoint.id)) if (handover.conversationId) yield handover.conversationId;
  }

  async bindConversation(endpoint: Endpoint, customer: CustomerAddress, conversationId: string): Promise<BoundHandover | undefined> {
    const identity = await this.findIdentity(endpoint.id, customer);
    const handover = identity && (await this.sessions.getHandover(identity.id));
    if (!handover || handover.endpointId !== endpoint.id || handover.state === 'ended') return undefined;
    if (handover.conversationId !== conversationId) {
      // Stored on the handover first (what ending it reads), then the reverse mapping its lifecycle events use.
      await this.sessions.setHandoverFields(handover.id, { conversationId });
      await this.sessions.mapConversation(conversationId, handover.id);
      await this.sessions.appendTimeline(
        handover.endpointId,
        handover.sessionId,
        this.lifecycle.timeline(handover, 'provider.conversation_bound', { conversationId }),
      );
    }
    const routing = await this.sessions.getHandoverField(handover.id, 'routing');
    const { language, skills, priority, customAttributes } = endpoint.handoverDefaults;
    return {
      handoverId: handover.id,
      routing: routing ? (JSON.parse(routing) as RoutingData) : { language, skills, priority, customAttributes },
    };
  }

  private async acceptOne(endpoint: Endpoint, event: ProviderEvent): Promise<ProviderEventOutcome> {
    const endpointId = endpoint.id;
    if (event.kind === 'agent.message' || event.kind === 'agent.typing') return this.relayToBot(endpoint, event);
    let handover = await this.findHandover(endpointId, event);
    if (handover?.state === 'ended' && event.kind === 'conversation.signal' && event.signal === 'conversation.ended') {
      handover = await this.continuedIn(handover, event.conversationId);
    }
    if (!handover || handover.endpointId !== endpointId || handover.state === 'ended') {
      this.logger.debug(`Dropped ${event.kind} ${event.providerEventId}: no live handover`);
      return 'no-handover';
    }
    if (event.kind !== 'receipt') {
      await this.signal(endpoint, handover, event);
    } else if (event.status === 'Failed') {
      // A receipt for the customer's own message (direction Inbound) is Genesys refusing that message (e.g. a media
      // type the integration does not allow), not an agent message that failed; an Outbound one echoes a receipt
      // about an agent message (ours, already counted when its delivery to the bot failed).
      const rejected = event.direction !== 'Outbound';
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
      if (rejected) await this.lifecycle.deliveryFailed(handover, 'to_agent');
    }
    return 'accepted';
  }

  /**
   * At a provider with no disconnect call, a conversation the connector ended stays open until the agent closes
   * it, and a re-handover of the same customer meanwhile continues in it (Multicloud CX, customer ids per user):
   * the end of that conversation is then the end of the customer's live handover, unless that one has a
   * conversation of its own.
   */
  private async continuedIn(ended: Handover, conversationId: string): Promise<Handover | undefined> {
    if (!ENDED_BY_US.has(ended.reason as EndReason)) return undefined;
    const sessionId = await this.sessions.liveSessionOfUser(ended.endpointId, ended.userId);
    const next = sessionId ? await this.sessions.identityOfSession(ended.endpointId, sessionId) : undefined;
    const previous = await this.sessions.identity(ended.id);
    if (!next || next.id === ended.id || next.customer.id !== previous?.customer.id) return undefined;
    const live = await this.sessions.getHandover(next.id);
    if (!live || (live.conversationId && live.conversationId !== conversationId)) return undefined;
    return live;
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
   * this conversation. While that handover is still opening (requested, no conversation yet) the event cannot be
   * placed: the sender retries (a WebSocket event in memory, a webhook with 503).
   */
  private async currentOwner(
    endpointId: string,
    event: { conversationId?: string },
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
    // Still opening: its first message may be what reopened this conversation, not yet mapped.
    if (handover.state === 'requested' && !handover.conversationId) {
      throw new Error(`Conversation ${event.conversationId} may be reopening for handover ${live.id}; retry the event`);
    }
    return undefined;
  }

  /** By conversation, then by the handover id the provider's address carries, then by the customer's live session. */
  private async findIdentity(
    endpointId: string,
    event: CustomerAddress & { conversationId?: string },
  ): Promise<HandoverIdentity | undefined> {
    const byConversation = event.conversationId ? await this.sessions.identityOfConversation(event.conversationId) : undefined;
    if (byConversation) return byConversation;
    const byHandover = event.handoverId ? await this.sessions.identity(event.handoverId) : undefined;
    if (byHandover?.endpointId === endpointId) return byHandover;
    if (!event.customerId) return undefined;
    const sessionId = await this.sessions.liveSessionOfUser(endpointId, event.customerId);
    return sessionId ? this.sessions.identityOfSession(endpointId, sessionId) : undefined;
  }

  /**
   * The hot path: one atomic script checks the handover is live, de-duplicates, queues the event for the bot and
   * records it. The first message of a human agent is proof enough that one joined, even before the notification:
   * the script then answers `inactive` and the join is recorded (and announced to the bot) first. A handover found
   * by the customer id alone comes from a per-process cache; when the script says that one is no longer live, the
   * customer's live handover is looked up again once. A conversation resolved to an ended handover may have been
   * reopened for a newer one (currentOwner); an event older than the handover is a late one of an earlier handover.
   */
  private async relayToBot(endpoint: Endpoint, event: AgentMessageEvent | AgentTypingEvent): Promise<ProviderEventOutcome> {
    const cacheKey = !event.conversationId && !event.handoverId && event.customerId ? `${endpoint.id}\u0000${event.customerId}` : undefined;
    const cached = cacheKey ? this.byCustomer.get(cacheKey) : undefined;
    let handover = cached ?? (await this.findIdentity(endpoint.id, event));
    for (let fresh = !cached; handover && handover.endpointId === endpoint.id; fresh = true) {
      if (cacheKey) this.byCustomer.set(cacheKey, handover);
      const result = await this.queueForBot(endpoint, handover, event);
      if (result !== 'rejected') return result === 'duplicate' ? 'duplicate' : 'accepted';
      if (fresh) break;
      handover = await this.findIdentity(endpoint.id, event);
    }
    if (cacheKey) this.byCustomer.delete(cacheKey);
    const owner = handover && (await this.currentOwner(endpoint.id, event, handover));
    if (owner && owner.endpointId === endpoint.id) {
      const result = await this.queueForBot(endpoint, owner, event);
      if (result !== 'rejected') return result === 'duplicate' ? 'duplicate' : 'accepted';
    }
    this.logger.debug(`Dropped ${event.kind} ${event.providerEventId}: no live handover`);
    return 'no-handover';
  }

  private async queueForBot(
    endpoint: Endpoint,
    handover: HandoverIdentity,
    event: AgentMessageEvent | AgentTypingEvent,
  ): Promise<QueueMessageResult> {
    // Older than the handover (with 2 s for clocks apart): a late delivery from an earlier handover whose
    // conversation the provider reopened for this one.
    if (handover.createdAt && Date.parse(event.time) < Date.parse(handover.createdAt) - CLOCK_SKEW_MS) return 'rejected';
    const named = event.kind === 'agent.message' ? event.agentName : undefined;
    // Without a name in the event, the bot gets the handover's agent as it is when the event is queued.
    const agent = named ? { name: named } : {};
    const currentAgent = !named;
    const dedupeKey = this.redis.keys.providerEventSeen(handover.endpointId, handover.sessionId, event.kind, event.providerEventId);
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
              { receiptFor: { providerMessageId: event.providerEventId, customer: handover.customer }, currentAgent },
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
    if (result === 'queued' && event.kind === 'agent.message') {
      this.lifecycle.messageQueued(handover, event.originatingEntity === 'Bot' ? 'provider-bot' : 'agent');
    }
    return result;
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
          await this.lifecycle.transferred(handover, handover.agentName, event.disconnectType);
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
      case 'conversation.ended':
        await this.lifecycle.end(handover, 'agent_ended');
        break;
    }
  }
}
