import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { BotEvent, BotEventData, BotEventType } from './bot-events';
import { MetricsService } from '../../infrastructure/metrics/metrics.service';
import type { RoutingData } from '../../contact-center/contact-center-provider';
import type { MailboxEntry } from '../../relay/session-mailbox';
import { EndReason, ENDED_BY_US, Handover, HandoverState, TimelineEntry } from './handover.model';
import type { Endpoint } from '../../endpoints/endpoint.model';
import { Activity, SessionsRepository, TransitionResult } from '../store/sessions.repository';
import type { AgentCommand, BotLaneBody } from './agent-commands';
import { DeliveryDirection, HandoverObserver, MessageAuthor, PendingRequest } from './handover-observer';

type HandoverRef = Pick<Handover, 'id' | 'endpointId' | 'sessionId' | 'userId' | 'cognigyUrlToken'>;

const LIVE: readonly HandoverState[] = ['requested', 'queued', 'active'];

/**
 * The handover state machine (requested → queued → active → ended). Every change goes through one atomic
 * transition that also records the timeline and queues the bot event (and the contact-center command), so
 * each event is emitted exactly once and in order with the messages around it.
 */
@Injectable()
export class HandoverLifecycle {
  private readonly logger = new Logger(HandoverLifecycle.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly metrics: MetricsService,
    private readonly observer: HandoverObserver,
  ) {}

  botEntry<T extends BotEventType>(
    handover: HandoverRef,
    type: T,
    data: BotEventData[T],
    { receiptFor, currentAgent }: { receiptFor?: BotLaneBody['receiptFor']; currentAgent?: boolean } = {},
  ): MailboxEntry<BotLaneBody> {
    const id = `evt_${randomUUID().replace(/-/g, '')}`;
    const time = new Date().toISOString();
    const event: BotEvent = {
      id,
      type,
      endpointId: handover.endpointId,
      sessionId: handover.sessionId,
      userId: handover.userId,
      handoverId: handover.id,
      time,
      data,
    };
    const route = handover.cognigyUrlToken ? { cognigyUrlToken: handover.cognigyUrlToken } : undefined;
    return {
      id,
      at: Date.now(),
      body: {
        event,
        ...(route ? { route } : {}),
        ...(receiptFor ? { receiptFor } : {}),
        ...(currentAgent ? { currentAgent: true as const } : {}),
      },
    };
  }

  agentEntry(command: AgentCommand): MailboxEntry<AgentCommand> {
    return { id: `cmd_${randomUUID().replace(/-/g, '')}`, at: Date.now(), body: command };
  }

  /** What a message (either way) does to the endpoint's inactivity timer, as of now. */
  activity(endpoint: Endpoint): Activity {
    const at = new Date();
    const seconds = endpoint.handoverDefaults.inactivityTimeoutSeconds;
    return { at, inactivityDueAtMs: seconds > 0 ? at.getTime() + seconds * 1000 : undefined };
  }

  /** Resets the inactivity timer outside a message (an agent joined). */
  async touch(endpoint: Endpoint, handoverId: string): Promise<void> {
    const { at, inactivityDueAtMs } = this.activity(endpoint);
    await this.sessions.setHandoverFields(handoverId, { lastActivityAt: at.toISOString() });
    if (inactivityDueAtMs !== undefined) await this.sessions.schedule('inactivity', handoverId, inactivityDueAtMs);
  }

  timeline(handover: HandoverRef, event: string, detail?: Record<string, unknown>): TimelineEntry {
    return { time: new Date().toISOString(), event, handoverId: handover.id, ...(detail ? { detail } : {}) };
  }

  /**
   * A new handover's facts, told to the observer before the handover is stored (see HandoverObserver.requested);
   * tell the answer whether the handover was stored.
   */
  async requested(endpoint: Endpoint, handover: Handover, routing: RoutingData): Promise<PendingRequest> {
    try {
      const pending = await this.observer.requested(endpoint, handover, routing);
      return {
        accepted: () => {
          try {
            pending.accepted();
          } catch (err) {
            this.observerFailed('accepted', err);
          }
        },
        withdraw: () => this.observe('withdraw', () => pending.withdraw()),
      };
    } catch (err) {
      this.observerFailed('requested', err);
      return { accepted: () => undefined, withdraw: async () => undefined };
    }
  }

  /** The provider accepted the opening's first message (at `at`, as the handover records it). */
  async submitted(handover: HandoverRef, at: string): Promise<void> {
    await this.observe('submitted', () => this.observer.submitted(handover, at));
  }

  /** The contact center moved the conversation to another agent: recorded in the timeline and counted. */
  async transferred(handover: HandoverRef, fromAgent: string | undefined, disconnectType?: string): Promise<void> {
    const entry = this.timeline(handover, 'agent.transferred', { agent: fromAgent, ...(disconnectType ? { disconnectType } : {}) });
    await this.sessions.appendTimeline(handover.endpointId, handover.sessionId, entry);
    await this.observe('transferred', () => this.observer.transferred(handover, entry.time));
  }

  /** A message was queued for the other side (call it only for one that was not a duplicate). */
  messageQueued(handover: HandoverRef, author: MessageAuthor): void {
    try {
      this.observer.message(handover, author, new Date().toISOString());
    } catch (err) {
      this.observerFailed('message', err);
    }
  }

  /** A relay entry of the handover was dead-lettered, or the provider could not deliver one of its messages. */
  async deliveryFailed(handover: HandoverRef, direction: DeliveryDirection): Promise<void> {
    await this.observe('deliveryFailed', (at) => this.observer.deliveryFailed(handover, direction, at));
  }

  async markQueued(handover: HandoverRef, conversationId: string | undefined): Promise<boolean> {
    const at = new Date().toISOString();
    const result = await this.sessions.transition(handover, {
      from: ['requested'],
      to: 'queued',
      fields: { queuedAt: at, ...(conversationId ? { conversationId } : {}) },
      timeline: this.timeline(handover, 'handover.queued', conversationId ? { conversationId } : undefined),
      botEntry: this.botEntry(handover, 'handover.queued', conversationId ? { conversationId } : {}),
    });
    if (result.status === 'ok') await this.observe('queued', () => this.observer.queued(handover, at));
    return this.counted(result, 'queued');
  }

  /**
   * An agent joined: activates a waiting handover, or announces the new agent after a transfer. The agent is known by
   * Genesys user id when the signal gives one (two agents may share a name), else by name.
   */
  async agentJoined(handover: HandoverRef, agentName: string | undefined, agentUserId?: string): Promise<boolean> {
    const data = { agent: agentName ? { name: agentName } : {} };
    const at = new Date().toISOString();
    const fields = { activeAt: at, ...(agentName ? { agentName } : {}), ...(agentUserId ? { agentUserId } : {}) };
    const activated = await this.sessions.transition(handover, {
      from: ['requested', 'queued'],
      to: 'active',
      fields,
      timeline: this.timeline(handover, 'agent.joined', agentName ? { agent: agentName } : undefined),
      botEntry: this.botEntry(handover, 'agent.joined', data),
    });
    if (activated.status === 'ok') await this.observe('answered', () => this.observer.answered(handover, at));
    if (activated.status !== 'conflict' || activated.state !== 'active') return this.counted(activated, 'active');
    const current = await this.sessions.getHandover(handover.id);
    const sameAgent = agentUserId && current?.agentUserId ? current.agentUserId === agentUserId : current?.agentName === agentName;
    if (!agentName || sameAgent) {
      // The same agent, now known by id too (a first message announced the join before the notification).
      if (agentUserId && current && !current.agentUserId) await this.sessions.setHandoverFields(handover.id, { agentUserId });
      return false;
    }
    const changed = await this.sessions.transition(handover, {
      from: ['active'],
      to: 'active',
      fields: { agentName, ...(agentUserId ? { agentUserId } : {}) },
      timeline: this.timeline(handover, 'agent.joined', { agent: agentName, transfer: true }),
      botEntry: this.botEntry(handover, 'agent.joined', data),
    });
    return changed.status === 'ok';
  }

  /** An agent answered (a provider signal or a confirmed participant state): no more "agent left" pending, and the activity clock restarts. */
  async agentAnswered(endpoint: Endpoint, handover: HandoverRef, agentName: string | undefined, agentUserId?: string): Promise<void> {
    await this.sessions.cancelTimer('agent-left', handover.id);
    if (await this.agentJoined(handover, agentName, agentUserId)) await this.touch(endpoint, handover.id);
  }

  /** Ends a live handover once: the bot gets handover.ended; a conversation we end is disconnected at the provider. */
  async end(handover: HandoverRef, reason: EndReason): Promise<boolean> {
    const at = new Date().toISOString();
    const result = await this.sessions.transition(handover, {
      from: LIVE,
      to: 'ended',
      fields: { reason, endedAt: at },
      timeline: this.timeline(handover, 'handover.ended', { reason }),
      botEntry: this.botEntry(handover, 'handover.ended', { reason }),
      agentEntry: ENDED_BY_US.has(reason) ? this.agentEntry({ kind: 'disconnect', handoverId: handover.id }) : undefined,
    });
    if (result.status === 'ok') {
      this.logger.log(`Handover ${handover.id} of ${handover.endpointId}/${handover.sessionId} ended: ${reason}`);
      await this.observe('ended', () => this.observer.ended(handover, reason, at));
    }
    return this.counted(result, 'ended', reason);
  }

  /** Tells the observer; what it throws is logged, never passed on (the transition has happened). */
  private async observe(what: string, tell: (at: string) => Promise<void>): Promise<void> {
    try {
      await tell(new Date().toISOString());
    } catch (err) {
      this.observerFailed(what, err);
    }
  }

  private observerFailed(what: string, err: unknown): void {
    this.logger.warn(`Handover observer (${what}) failed: ${(err as Error).message}`);
  }

  private counted(result: TransitionResult, state: HandoverState, reason = ''): boolean {
    if (result.status !== 'ok') return false;
    this.metrics.handovers.inc({ state, reason });
    return true;
  }
}
