import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { LruCache } from '../../infrastructure/lru-cache';
import type { CustomerProfile } from '../../contact-center/contact-center-provider';
import type { Lane } from '../../relay/relay-queues';
import { RedisService } from '../../infrastructure/redis/redis.service';
import { DEDUPE_TTL_SECONDS, MailboxEntry, SessionMailbox } from '../../relay/session-mailbox';
import { EndReason, Handover, HandoverState, Session, TimelineEntry, TimerKind } from '../domain/handover.model';
import { LUA_CLAIM_DUE_TIMERS, LUA_QUEUE_MESSAGE, LUA_START_HANDOVER, LUA_TRANSITION } from './sessions.scripts';

/** What never changes once a handover exists: whose it is, and the customer profile the provider knows. */
export interface HandoverIdentity {
  id: string;
  endpointId: string;
  sessionId: string;
  userId: string;
  customer: CustomerProfile;
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
}

export type QueueMessageResult = 'queued' | 'duplicate' | 'rejected' | 'inactive';

/**
 * Stands for the handover's current agent (`{ name }`, or `{}` before one is known) in an entry given to
 * queueMessage, which fills it in inside its atomic step: the name (which changes on a transfer) is read where it
 * is kept, at the moment the message is queued, without a round trip of its own. It serialises to a random
 * per-process token that no sender can guess, so a message's own text can never be mistaken for it.
 */
const AGENT_TOKEN = `current-agent-${randomBytes(16).toString('hex')}`;
const AGENT_TOKEN_JSON = JSON.stringify(AGENT_TOKEN);
export const CURRENT_AGENT: { name?: string; toJSON(): string } = Object.freeze({ toJSON: () => AGENT_TOKEN });

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
    return this.redis.key('handover', handoverId);
  }

  private sessionKey(endpointId: string, sessionId: string): string {
    return this.redis.key('session', endpointId, sessionId);
  }

  private timelineKey(endpointId: string, sessionId: string): string {
    return this.redis.key('timeline', endpointId, sessionId);
  }

  private liveUserKey(endpointId: string, userId: string): string {
    return this.redis.key('live-user', endpointId, userId);
  }

  private sessionIndexKey(endpointId: string): string {
    return this.redis.key('sessions', endpointId);
  }

  private get timersKey(): string {
    return this.redis.key('timers');
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
    const agent = this.mailbox.keys('to-agent', endpointId, sessionId);
    const now = Date.parse(handover.createdAt);
    const fields = { ...stringFields(handover), ...customerAndRouting };
    const rawOpen = JSON.stringify(openEntry);
    const [status, value] = (await this.redis.client.eval(
      LUA_START_HANDOVER,
      8,
      this.sessionKey(endpointId, sessionId),
      this.liveUserKey(endpointId, userId),
      this.sessionIndexKey(endpointId),
      this.handoverKey(handover.id),
      this.timelineKey(endpointId, sessionId),
      agent.mbox,
      agent.owner,
      agent.active,
      handover.id,
      sessionId,
      userId,
      now,
      handover.createdAt,
      JSON.stringify(fields),
      JSON.stringify(timeline),
      rawOpen,
      this.mailbox.newOwnerId(),
      agent.ref,
      this.redis.key('handover', ''),
    )) as [string, string];
    if (status === 'session-busy') return { status, handoverId: value };
    if (status === 'user-busy') return { status, sessionId: value };
    if (value) await this.mailbox.kick('to-agent', endpointId, sessionId, value, rawOpen);
    return { status: 'ok' };
  }

  async transition(
    handover: Pick<Handover, 'id' | 'endpointId' | 'sessionId' | 'userId'>,
    request: TransitionRequest,
  ): Promise<TransitionResult> {
    const { id, endpointId, sessionId, userId } = handover;
    const bot = this.mailbox.keys('to-bot', endpointId, sessionId);
    const agent = this.mailbox.keys('to-agent', endpointId, sessionId);
    const now = new Date(request.timeline.time);
    const rawBot = request.botEntry ? JSON.stringify(request.botEntry) : '';
    const rawAgent = request.agentEntry ? JSON.stringify(request.agentEntry) : '';
    const [status, previous, botKick, agentKick] = (await this.redis.client.eval(
      LUA_TRANSITION,
      12,
      this.handoverKey(id),
      this.sessionKey(endpointId, sessionId),
      this.timelineKey(endpointId, sessionId),
      this.timersKey,
      this.sessionIndexKey(endpointId),
      this.liveUserKey(endpointId, userId),
      bot.mbox,
      bot.owner,
      bot.active,
      agent.mbox,
      agent.owner,
      agent.active,
      request.from.join(','),
      request.to,
      JSON.stringify(request.fields ?? {}),
      now.getTime(),
      now.toISOString(),
      JSON.stringify(request.timeline),
      rawBot,
      rawAgent,
      this.mailbox.newOwnerId(),
      this.mailbox.newOwnerId(),
      bot.ref,
      id,
      sessionId,
    )) as [string, string?, string?, string?];
    if (status === 'missing') return { status };
    if (status === 'conflict') return { status, state: previous as HandoverState };
    await Promise.all([
      botKick ? this.mailbox.kick('to-bot', endpointId, sessionId, botKick, rawBot) : undefined,
      agentKick ? this.mailbox.kick('to-agent', endpointId, sessionId, agentKick, rawAgent) : undefined,
    ]);
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
    const [id, endpointId, sessionId, userId, customer, createdAt] = await this.redis.client.hmget(
      this.handoverKey(handoverId),
      'id',
      'endpointId',
      'sessionId',
      'userId',
      'customer',
      'createdAt',
    );
    if (!id || !endpointId || !sessionId || !userId) return undefined;
    const identity: HandoverIdentity = {
      id,
      endpointId,
      sessionId,
      userId,
      customer: customer ? (JSON.parse(customer) as CustomerProfile) : { id: userId },
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
      handoverId = (await this.redis.client.get(this.redis.key('conversation', conversationId))) ?? undefined;
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
    const k = this.mailbox.keys(request.lane, endpointId, sessionId);
    const raw = JSON.stringify(request.entry);
    const agentAt = raw.indexOf(AGENT_TOKEN_JSON);
    const [beforeAgent, afterAgent] = agentAt < 0 ? [raw, ''] : [raw.slice(0, agentAt), raw.slice(agentAt + AGENT_TOKEN_JSON.length)];
    const [status, kick, completed] = (await this.redis.client.eval(
      LUA_QUEUE_MESSAGE,
      7,
      this.handoverKey(id),
      k.mbox,
      k.owner,
      k.active,
      request.dedupeKey ?? '',
      this.timelineKey(endpointId, sessionId),
      this.timersKey,
      beforeAgent,
      this.mailbox.newOwnerId(),
      k.ref,
      DEDUPE_TTL_SECONDS,
      request.requireActive ? '1' : '',
      request.timeline ? JSON.stringify(request.timeline) : '',
      request.activity ? request.activity.at.toISOString() : '',
      request.activity?.inactivityDueAtMs ?? '',
      id,
      afterAgent,
    )) as [string, string?, string?];
    if (status === 'dup') return 'duplicate';
    if (status === 'rejected' || status === 'inactive') return status;
    if (kick) await this.mailbox.kick(request.lane, endpointId, sessionId, kick, completed || raw);
    return 'queued';
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

  /** Every live handover (one per user with a live handover), read a page of up to 1000 at a time. */
  async *liveHandovers(): AsyncGenerator<Handover> {
    const prefix = this.redis.key('live-user', '');
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      const sessionIds = await this.pipelined(keys.map((key) => ['get', key]));
      const sessions = keys.flatMap((key, i) =>
        sessionIds[i] ? [this.sessionKey(key.slice(prefix.length).split(':')[0], sessionIds[i])] : [],
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
    await this.redis.client.set(this.redis.key('conversation', conversationId), handoverId, 'EX', 7 * 24 * 3600);
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
    const members = (await this.redis.client.eval(LUA_CLAIM_DUE_TIMERS, 1, this.timersKey, nowMs, limit)) as string[];
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
  };
}
