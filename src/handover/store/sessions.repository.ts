import { Injectable } from '@nestjs/common';
import { LruCache } from '../../infrastructure/lru-cache';
import type { CustomerProfile } from '../../contact-center/contact-center-provider';
import type { Lane } from '../../relay/relay-queues';
import { RedisService } from '../../infrastructure/redis/redis.service';
import { DEDUPE_TTL_SECONDS, MailboxEntry, SessionMailbox } from '../../relay/session-mailbox';
import { EndReason, Handover, HandoverState, Session, TimelineEntry, TimerKind } from '../domain/handover.model';
import { CLAIM_DUE_TIMERS, QUEUE_MESSAGE, START_HANDOVER, TRANSITION } from './sessions.scripts';

/** What never changes once a handover exists: whose it is, and the customer profile the provider knows. */
export interface HandoverIdentity {
  id: string;
  endpointId: string;
  sessionId: string;
  userId: string;
  customer: CustomerProfile;
  cognigyUrlToken?: string;
  /** When the handover was requested (ISO); absent only for identities read before the field was part of it. */
  createdAt?: string;
}

/** A message went one way or the other: lastActivityAt, and the inactivity timer re-armed when it has a due time. */
export interface Activity {
  at: Date;
  inactivityDueAtMs?: number;
}

export interface QueueMessageRequest {
  lane: Lane;
  entry: MailboxEntry;
  /** Refuse as a duplicate when this key was queued within DEDUPE_TTL_SECONDS. */
  dedupeKey?: string;
  /** Refuse with `inactive` unless an agent has joined (the handover is `active`). */
  requireActive?: boolean;
  timeline?: TimelineEntry;
  activity?: Activity;
  /**
   * Annotate the entry with the handover's current agent (`annotations.agentName`, see parseEntry), read inside
   * the atomic step: the name changes on a transfer, and is taken as it is when the message is queued.
   */
  annotateAgentName?: boolean;
}

export type QueueMessageResult = 'queued' | 'duplicate' | 'rejected' | 'inactive';

/** Handover identities kept in memory per process (a few hundred bytes each, the most recently used first). */
const IDENTITY_CACHE_SIZE = 50_000;

export type StartResult = { status: 'ok' } | { status: 'session-busy'; handoverId: string } | { status: 'user-busy'; sessionId: string };

export interface TransitionRequest {
  from: readonly HandoverState[];
  to: HandoverState;
  fields?: Partial<Record<keyof Handover, string>>;
  timeline: TimelineEntry;
  /** Queued for the bot in the same atomic step. */
  botEntry?: MailboxEntry;
  /** Queued for the contact center in the same atomic step. */
  agentEntry?: MailboxEntry;
}

export type TransitionResult =
  { status: 'ok'; previous: HandoverState } | { status: 'conflict'; state: HandoverState } | { status: 'missing' };

/** Every session, handover, timeline and timer key lives behind this class. */
@Injectable()
export class SessionsRepository {
  private readonly identities = new LruCache<string, HandoverIdentity>(IDENTITY_CACHE_SIZE);
  private readonly conversations = new LruCache<string, string>(IDENTITY_CACHE_SIZE);

  constructor(
    private readonly redis: RedisService,
    private readonly mailbox: SessionMailbox,
  ) {}

  private handoverKey(handoverId: string): string {
    return this.redis.keys.handover(handoverId);
  }

  private sessionKey(endpointId: string, sessionId: string): string {
    return this.redis.keys.sessionState(endpointId, sessionId);
  }

  private timelineKey(endpointId: string, sessionId: string): string {
    return this.redis.keys.timeline(endpointId, sessionId);
  }

  private liveUserKey(endpointId: string, userId: string): string {
    return this.redis.keys.liveUser(endpointId, userId);
  }

  private sessionIndexKey(endpointId: string): string {
    return this.redis.keys.sessionIndex(endpointId);
  }

  private get timersKey(): string {
    return this.redis.keys.timers();
  }

  /** The guard key for mailbox pushes that must only happen while the handover is live. */
  liveGuardKey(handoverId: string): string {
    return this.handoverKey(handoverId);
  }

  async startHandover(
    handover: Handover,
    customerAndRouting: Record<string, string>,
    timeline: TimelineEntry,
    openEntry: MailboxEntry,
  ): Promise<StartResult> {
    const { endpointId, sessionId, userId } = handover;
    const agent = this.mailbox.pushTarget('to-agent', endpointId, sessionId, openEntry);
    const fields = { ...stringFields(handover), ...customerAndRouting };
    const [status, value] = (await this.redis.run(START_HANDOVER, {
      keys: {
        session: this.sessionKey(endpointId, sessionId),
        liveUser: this.liveUserKey(endpointId, userId),
        sessionIndex: this.sessionIndexKey(endpointId),
        handover: this.handoverKey(handover.id),
        timeline: this.timelineKey(endpointId, sessionId),
        agentMbox: agent.mbox,
        agentOwner: agent.owner,
        agentActive: agent.active,
      },
      args: {
        handoverId: handover.id,
        sessionId,
        userId,
        nowMs: Date.parse(handover.createdAt),
        nowIso: handover.createdAt,
        fields: JSON.stringify(fields),
        timelineEntry: JSON.stringify(timeline),
        openEntry: agent.entry,
        newOwner: agent.newOwner,
        ref: agent.ref,
        handoverPrefix: this.redis.keys.handoverPrefix(),
      },
    })) as [string, string];
    if (status === 'session-busy') return { status, handoverId: value };
    if (status === 'user-busy') return { status, sessionId: value };
    await this.mailbox.afterPush(agent, value);
    return { status: 'ok' };
  }

  async transition(
    handover: Pick<Handover, 'id' | 'endpointId' | 'sessionId' | 'userId'>,
    request: TransitionRequest,
  ): Promise<TransitionResult> {
    const { id, endpointId, sessionId, userId } = handover;
    const bot = this.mailbox.pushTarget('to-bot', endpointId, sessionId, request.botEntry);
    const agent = this.mailbox.pushTarget('to-agent', endpointId, sessionId, request.agentEntry);
    const now = new Date(request.timeline.time);
    const [status, previous, botKick, agentKick] = (await this.redis.run(TRANSITION, {
      keys: {
        handover: this.handoverKey(id),
        session: this.sessionKey(endpointId, sessionId),
        timeline: this.timelineKey(endpointId, sessionId),
        timers: this.timersKey,
        sessionIndex: this.sessionIndexKey(endpointId),
        liveUser: this.liveUserKey(endpointId, userId),
        botMbox: bot.mbox,
        botOwner: bot.owner,
        botActive: bot.active,
        agentMbox: agent.mbox,
        agentOwner: agent.owner,
        agentActive: agent.active,
      },
      args: {
        allowedStates: request.from.join(','),
        state: request.to,
        fields: JSON.stringify(request.fields ?? {}),
        nowMs: now.getTime(),
        nowIso: now.toISOString(),
        timelineEntry: JSON.stringify(request.timeline),
        botEntry: bot.entry,
        agentEntry: agent.entry,
        botNewOwner: bot.newOwner,
        agentNewOwner: agent.newOwner,
        ref: bot.ref,
        handoverId: id,
        sessionId,
      },
    })) as [string, string?, string?, string?];
    if (status === 'missing') return { status };
    if (status === 'conflict') return { status, state: previous as HandoverState };
    await Promise.all([this.mailbox.afterPush(bot, botKick), this.mailbox.afterPush(agent, agentKick)]);
    return { status: 'ok', previous: previous as HandoverState };
  }

  async getHandover(handoverId: string): Promise<Handover | undefined> {
    const raw = await this.redis.client.hgetall(this.handoverKey(handoverId));
    return raw.id ? toHandover(raw) : undefined;
  }

  /** Cached: a handover's identity never changes, so only its state is read, inside queueMessage. */
  async identity(handoverId: string): Promise<HandoverIdentity | undefined> {
    const cached = this.identities.get(handoverId);
    if (cached) return cached;
    const [id, endpointId, sessionId, userId, customer, cognigyUrlToken, createdAt] = await this.redis.client.hmget(
      this.handoverKey(handoverId),
      'id',
      'endpointId',
      'sessionId',
      'userId',
      'customer',
      'cognigyUrlToken',
      'createdAt',
    );
    if (!id || !endpointId || !sessionId || !userId) return undefined;
    const identity: HandoverIdentity = {
      id,
      endpointId,
      sessionId,
      userId,
      customer: customer ? (JSON.parse(customer) as CustomerProfile) : { id: userId },
      ...(cognigyUrlToken ? { cognigyUrlToken } : {}),
      ...(createdAt ? { createdAt } : {}),
    };
    this.identities.set(handoverId, identity);
    return identity;
  }

  /**
   * The identity of the handover a provider conversation belongs to. A conversation can change hands: a provider
   * may reopen it for a later handover (Genesys threading timeline), so a cached answer that turned out to be an
   * ended handover is re-read with `fresh` (another process may have mapped it since).
   */
  async identityOfConversation(conversationId: string, options: { fresh?: boolean } = {}): Promise<HandoverIdentity | undefined> {
    let handoverId = options.fresh ? undefined : this.conversations.get(conversationId);
    if (!handoverId) {
      handoverId = (await this.redis.client.get(this.redis.keys.conversation(conversationId))) ?? undefined;
      if (!handoverId) return undefined;
      this.conversations.set(conversationId, handoverId);
    }
    return this.identity(handoverId);
  }

  /** The identity of the session's current (or last) handover. */
  async identityOfSession(endpointId: string, sessionId: string): Promise<HandoverIdentity | undefined> {
    const handoverId = await this.redis.client.hget(this.sessionKey(endpointId, sessionId), 'handoverId');
    return handoverId ? this.identity(handoverId) : undefined;
  }

  /**
   * Queues a message of a live handover on one of its lanes with its timeline entry and activity, atomically
   * and in one round trip (plus the drain job when nobody owned the mailbox).
   */
  async queueMessage(
    handover: Pick<Handover, 'id' | 'endpointId' | 'sessionId'>,
    request: QueueMessageRequest,
  ): Promise<QueueMessageResult> {
    const { id, endpointId, sessionId } = handover;
    const target = this.mailbox.pushTarget(request.lane, endpointId, sessionId, request.entry);
    const [status, kick, annotated] = (await this.redis.run(QUEUE_MESSAGE, {
      keys: {
        handover: this.handoverKey(id),
        mbox: target.mbox,
        owner: target.owner,
        active: target.active,
        dedupe: request.dedupeKey ?? '',
        timeline: this.timelineKey(endpointId, sessionId),
        timers: this.timersKey,
      },
      args: {
        entry: target.entry,
        newOwner: target.newOwner,
        ref: target.ref,
        dedupeTtlSeconds: DEDUPE_TTL_SECONDS,
        requireActive: request.requireActive ? '1' : '',
        timelineEntry: request.timeline ? JSON.stringify(request.timeline) : '',
        activityAt: request.activity ? request.activity.at.toISOString() : '',
        inactivityDueMs: request.activity?.inactivityDueAtMs ?? '',
        handoverId: id,
        annotateAgent: request.annotateAgentName ? '1' : '',
      },
    })) as [string, string?, string?];
    if (status === 'dup') return 'duplicate';
    if (status === 'rejected' || status === 'inactive') return status;
    await this.mailbox.afterPush(target, kick, annotated || target.entry);
    return 'queued';
  }

  async getHandoverField(handoverId: string, field: string): Promise<string | undefined> {
    return (await this.redis.client.hget(this.handoverKey(handoverId), field)) ?? undefined;
  }

  async setHandoverFields(handoverId: string, fields: Record<string, string>): Promise<void> {
    await this.redis.client.hset(this.handoverKey(handoverId), fields);
  }

  async getSession(endpointId: string, sessionId: string): Promise<Session | undefined> {
    const raw = await this.redis.client.hgetall(this.sessionKey(endpointId, sessionId));
    if (!raw.userId) return undefined;
    return { endpointId, sessionId, userId: raw.userId, handoverId: raw.handoverId, updatedAt: raw.updatedAt };
  }

  async getSessionField(endpointId: string, sessionId: string, field: string): Promise<string | undefined> {
    return (await this.redis.client.hget(this.sessionKey(endpointId, sessionId), field)) ?? undefined;
  }

  async setSessionField(endpointId: string, sessionId: string, field: string, value: string): Promise<void> {
    await this.redis.client.hset(this.sessionKey(endpointId, sessionId), field, value);
  }

  /** The session whose handover is live for this user (the provider's customer id) on this endpoint. */
  async liveSessionOfUser(endpointId: string, userId: string): Promise<string | undefined> {
    return (await this.redis.client.get(this.liveUserKey(endpointId, userId))) ?? undefined;
  }

  /** Every live handover (one per user with a live handover), or one endpoint's, read a page of up to 1000 at a time. */
  async *liveHandovers(endpointId?: string): AsyncGenerator<Handover> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.client.scan(cursor, 'MATCH', this.redis.keys.liveUserPattern(endpointId), 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      const sessionIds = await this.pipelined(keys.map((key) => ['get', key]));
      const sessions = keys.flatMap((key, i) =>
        sessionIds[i] ? [this.sessionKey(this.redis.keys.endpointOfLiveUser(key), sessionIds[i])] : [],
      );
      const handoverIds = (await this.pipelined(sessions.map((key) => ['hget', key, 'handoverId']))).filter((id): id is string => !!id);
      const raws = await this.pipelined<Record<string, string>>(handoverIds.map((id) => ['hgetall', this.handoverKey(id)]));
      for (const raw of raws) {
        if (raw?.id && raw.state !== 'ended') yield toHandover(raw);
      }
    } while (cursor !== '0');
  }

  /** Runs the commands in one round trip; a command that failed reads as null. */
  private async pipelined<T = string>(commands: string[][]): Promise<(T | null)[]> {
    if (commands.length === 0) return [];
    const results = (await this.redis.client.pipeline(commands).exec()) ?? [];
    return results.map(([err, value]) => (err ? null : (value as T)));
  }

  async mapConversation(conversationId: string, handoverId: string): Promise<void> {
    await this.redis.client.set(this.redis.keys.conversation(conversationId), handoverId, 'EX', 7 * 24 * 3600);
    this.conversations.set(conversationId, handoverId);
  }

  async appendTimeline(endpointId: string, sessionId: string, entry: TimelineEntry): Promise<void> {
    const key = this.timelineKey(endpointId, sessionId);
    await this.redis.client.multi().rpush(key, JSON.stringify(entry)).ltrim(key, -500, -1).exec();
  }

  async timeline(endpointId: string, sessionId: string): Promise<TimelineEntry[]> {
    const raw = await this.redis.client.lrange(this.timelineKey(endpointId, sessionId), 0, -1);
    return raw.map((r) => JSON.parse(r) as TimelineEntry);
  }

  /** Sessions of an endpoint, most recently updated first. */
  async listSessionIds(endpointId: string, limit: number, offset: number): Promise<{ total: number; ids: string[] }> {
    const key = this.sessionIndexKey(endpointId);
    const [total, ids] = await Promise.all([this.redis.client.zcard(key), this.redis.client.zrevrange(key, offset, offset + limit - 1)]);
    return { total, ids };
  }

  async schedule(kind: TimerKind, handoverId: string, dueAtMs: number): Promise<void> {
    await this.redis.client.zadd(this.timersKey, dueAtMs, `${kind}|${handoverId}`);
  }

  async hasTimer(kind: TimerKind, handoverId: string): Promise<boolean> {
    return (await this.redis.client.zscore(this.timersKey, `${kind}|${handoverId}`)) !== null;
  }

  async cancelTimer(kind: TimerKind, handoverId: string): Promise<void> {
    await this.redis.client.zrem(this.timersKey, `${kind}|${handoverId}`);
  }

  async claimDueTimers(nowMs: number, limit: number): Promise<{ kind: TimerKind; handoverId: string }[]> {
    const members = (await this.redis.run(CLAIM_DUE_TIMERS, { keys: { timers: this.timersKey }, args: { now: nowMs, limit } })) as string[];
    return members.map((m) => {
      const [kind, handoverId] = m.split('|');
      return { kind: kind as TimerKind, handoverId };
    });
  }
}

function stringFields(handover: Handover): Record<string, string> {
  return Object.fromEntries(
    Object.entries(handover)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  );
}

function toHandover(raw: Record<string, string>): Handover {
  return {
    id: raw.id,
    endpointId: raw.endpointId,
    sessionId: raw.sessionId,
    userId: raw.userId,
    state: raw.state as HandoverState,
    reason: (raw.reason || undefined) as EndReason | undefined,
    conversationId: raw.conversationId || undefined,
    agentName: raw.agentName || undefined,
    agentUserId: raw.agentUserId || undefined,
    alertingParticipantId: raw.alertingParticipantId || undefined,
    alertingUserId: raw.alertingUserId || undefined,
    alertingSince: raw.alertingSince || undefined,
    rethreadedFrom: raw.rethreadedFrom || undefined,
    earlierLegs: raw.earlierLegs ? (JSON.parse(raw.earlierLegs) as string[]) : undefined,
    createdAt: raw.createdAt,
    queuedAt: raw.queuedAt || undefined,
    activeAt: raw.activeAt || undefined,
    endedAt: raw.endedAt || undefined,
    lastActivityAt: raw.lastActivityAt || undefined,
    cognigyUrlToken: raw.cognigyUrlToken || undefined,
  };
}
