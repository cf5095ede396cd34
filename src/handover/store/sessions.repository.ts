import { Injectable } from '@nestjs/common';
import { LruCache } from '../../infrastructure/lru-cache';
import type { CustomerProfile } from '../../contact-center/contact-center-provider';
import type { Lane } from '../../relay/relay-queues';
import { RedisService } from '../../infrastructure/redis/redis.service';
import { DEDUPE_TTL_SECONDS, MailboxEntry, SessionMailbox } from '../../relay/session-mailbox';
import { EndReason, Handover, HandoverState, Session, TimelineEntry, TimerKind } from '../domain/handover.model';
import { CLAIM_DUE_TIMERS, QUEUE_MESSAGE, START_HANDOVER, TRANSITION, USER_RESERVE, USER_SETTLE } from './sessions.scripts';

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

/** How long a start holds a user before its handover exists (USER_RESERVE); a start takes milliseconds. */
const USER_HOLD_MS = 10_000;

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

  private sessionIndexKey(endpointId: string, sessionId: string): string {
    return this.redis.keys.sessionIndex(endpointId, this.redis.keys.shardOf(endpointId, sessionId));
  }

  /** A handover's timers live in its shard (the id names it). */
  private timersKey(handoverId: string): string {
    return this.redis.keys.timers(this.redis.keys.shardOfId(handoverId));
  }

  /** A new handover id, naming the session's shard so that its keys share the session's slot. */
  newHandoverId(endpointId: string, sessionId: string): string {
    return this.redis.keys.newId('ho', this.redis.keys.shardOf(endpointId, sessionId));
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
    const reservation = await this.reserveUser(endpointId, userId, sessionId);
    if (reservation.status === 'user-busy') return reservation;
    const shard = this.redis.keys.shardOf(endpointId, sessionId);
    const agent = this.mailbox.pushTarget('to-agent', endpointId, sessionId, openEntry);
    const fields = { ...stringFields(handover), ...customerAndRouting };
    let reply: [string, string];
    try {
      reply = (await this.redis.run(START_HANDOVER, {
        keys: {
          session: this.sessionKey(endpointId, sessionId),
          sessionIndex: this.sessionIndexKey(endpointId, sessionId),
          handover: this.handoverKey(handover.id),
          timeline: this.timelineKey(endpointId, sessionId),
          liveHandovers: this.redis.keys.liveHandovers(endpointId, shard),
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
          handoverPrefix: this.redis.keys.handoverPrefix(shard),
        },
      })) as [string, string];
    } catch (err) {
      if (reservation.reserved) await this.settleUser(endpointId, userId, sessionId, false).catch(() => undefined);
      throw err;
    }
    const [status, value] = reply;
    if (status === 'session-busy') {
      if (reservation.reserved) await this.settleUser(endpointId, userId, sessionId, false);
      return { status, handoverId: value };
    }
    await this.settleUser(endpointId, userId, sessionId, true);
    await this.mailbox.afterPush(agent, value);
    return { status: 'ok' };
  }

  /**
   * Holds the user for this session before its handover starts (USER_RESERVE): refused while another session of the
   * user has a live handover or is starting one. A mark left by a session whose handover is over (its process died
   * before it let go) is taken over. `reserved` says whether this call set the hold (so a failed start lets go).
   */
  private async reserveUser(
    endpointId: string,
    userId: string,
    sessionId: string,
  ): Promise<{ status: 'user-busy'; sessionId: string } | { status: 'free'; reserved: boolean }> {
    let stale = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const [status, other] = (await this.redis.run(USER_RESERVE, {
        keys: { liveUser: this.liveUserKey(endpointId, userId) },
        args: { sessionId, nowMs: Date.now(), holdMs: USER_HOLD_MS, stale },
      })) as [string, string?];
      if (status === 'ours') return { status: 'free', reserved: false };
      if (status === 'reserved') return { status: 'free', reserved: true };
      if (status === 'starting' || (await this.hasLiveHandover(endpointId, other!))) return { status: 'user-busy', sessionId: other! };
      stale = other!;
    }
    throw new Error(`The live-handover mark of user ${userId} on ${endpointId} keeps changing`);
  }

  private async settleUser(endpointId: string, userId: string, sessionId: string, confirm: boolean): Promise<void> {
    await this.redis.run(USER_SETTLE, {
      keys: { liveUser: this.liveUserKey(endpointId, userId) },
      args: { sessionId, confirm: confirm ? '1' : '' },
    });
  }

  private async hasLiveHandover(endpointId: string, sessionId: string): Promise<boolean> {
    const handoverId = await this.redis.client.hget(this.sessionKey(endpointId, sessionId), 'handoverId');
    const state = handoverId ? await this.redis.client.hget(this.handoverKey(handoverId), 'state') : null;
    return !!state && state !== 'ended';
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
        timers: this.timersKey(id),
        sessionIndex: this.sessionIndexKey(endpointId, sessionId),
        liveHandovers: this.redis.keys.liveHandovers(endpointId, this.redis.keys.shardOfId(id)),
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
    if (request.to === 'ended') await this.settleUser(endpointId, userId, sessionId, false);
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
        timers: this.timersKey(id),
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
    const mark = await this.redis.client.get(this.liveUserKey(endpointId, userId));
    return mark?.split('|')[0];
  }

  /** The live handovers of an endpoint, shard by shard, read a page of up to 1000 at a time. */
  async *liveHandovers(endpointId: string): AsyncGenerator<Handover> {
    for (const shard of this.redis.keys.shards()) {
      let cursor = '0';
      do {
        const [next, ids] = await this.redis.client.sscan(this.redis.keys.liveHandovers(endpointId, shard), cursor, 'COUNT', 1000);
        cursor = next;
        const raws = await this.pipelined<Record<string, string>>(ids.map((id) => ['hgetall', this.handoverKey(id)]));
        for (const raw of raws) {
          if (raw?.id && raw.state !== 'ended') yield toHandover(raw);
        }
      } while (cursor !== '0');
    }
  }

  /** Runs commands on keys of one shard (one slot) in one round trip; a command that failed reads as null. */
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

  /** Sessions of an endpoint, most recently updated first (the shards' indexes merged). */
  async listSessionIds(endpointId: string, limit: number, offset: number): Promise<{ total: number; ids: string[] }> {
    const keys = this.redis.keys;
    const indexes = keys.shards().map((shard) => keys.sessionIndex(endpointId, shard));
    const { total, members } = await this.redis.mergedRange(indexes, offset, limit, 'highestFirst');
    return { total, ids: members };
  }

  async schedule(kind: TimerKind, handoverId: string, dueAtMs: number): Promise<void> {
    await this.redis.client.zadd(this.timersKey(handoverId), dueAtMs, `${kind}|${handoverId}`);
  }

  async hasTimer(kind: TimerKind, handoverId: string): Promise<boolean> {
    return (await this.redis.client.zscore(this.timersKey(handoverId), `${kind}|${handoverId}`)) !== null;
  }

  async cancelTimer(kind: TimerKind, handoverId: string): Promise<void> {
    await this.redis.client.zrem(this.timersKey(handoverId), `${kind}|${handoverId}`);
  }

  /** Claims due timers in every shard, up to `limit` per shard. */
  async claimDueTimers(nowMs: number, limit: number): Promise<{ kind: TimerKind; handoverId: string }[]> {
    const keys = this.redis.keys;
    const claimed = await Promise.all(
      keys.shards().map((shard) => this.redis.run(CLAIM_DUE_TIMERS, { keys: { timers: keys.timers(shard) }, args: { now: nowMs, limit } })),
    );
    return (claimed as string[][]).flat().map((m) => {
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
