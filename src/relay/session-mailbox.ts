import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { DrainMailboxJob, JobName, Lane, QueueName } from './relay-queues';
import { RedisService } from '../infrastructure/redis/redis.service';
import { LUA_ACK_NEXT, LUA_DEAD_LETTER, LUA_HANDOFF, LUA_PEEK, LUA_PUSH, LUA_REPLAY } from './mailbox.lua';

export interface MailboxEntry<B = unknown> {
  /** Stable across retries: the bot sees it as `webhook-id`, Genesys as the message id. */
  id: string;
  /** Epoch ms when the entry was accepted. */
  at: number;
  body: B;
}

export interface PushOptions {
  /** Refuse the push when this key was seen within `dedupeTtlSeconds` (idempotent intake). */
  dedupeKey?: string;
  dedupeTtlSeconds?: number;
  /** Refuse the push unless this handover hash exists and is not ended. */
  requireLiveHandoverKey?: string;
}

export type PushResult = 'queued' | 'duplicate' | 'rejected';

export interface DeadLetter {
  id: string;
  lane: Lane;
  endpointId: string;
  sessionId: string;
  entry: MailboxEntry;
  reason: string;
  attempts: number;
  failedAt: string;
}

/** The head entry of a mailbox, `empty` (the mailbox was released) or `not-owner` (another drain job owns it). */
export type MailboxHead = { raw: string; entry: MailboxEntry } | 'empty' | 'not-owner';

function toHead(reply: unknown): MailboxHead {
  const [status, raw] = reply as [string, string?];
  if (status === 'head' && raw !== undefined) return { raw, entry: JSON.parse(raw) as MailboxEntry };
  return status === 'empty' ? 'empty' : 'not-owner';
}

export interface MailboxKeys {
  mbox: string;
  owner: string;
  active: string;
  ref: string;
}

/** How long an intake de-duplication key (a provider message id, a bot messageId) is remembered. */
export const DEDUPE_TTL_SECONDS = 24 * 3600;

/**
 * Per-session ordered mailboxes (see mailbox.lua.ts). This service is the only writer of mailbox keys and the
 * only producer of drain jobs.
 */
@Injectable()
export class SessionMailbox {
  private readonly queues: Record<Lane, Queue>;

  constructor(
    private readonly redis: RedisService,
    @InjectQueue(QueueName.ToBot) toBot: Queue,
    @InjectQueue(QueueName.ToAgent) toAgent: Queue,
  ) {
    this.queues = { 'to-bot': toBot, 'to-agent': toAgent };
  }

  keys(lane: Lane, endpointId: string, sessionId: string): MailboxKeys {
    return {
      mbox: this.redis.keys.mailbox(lane, endpointId, sessionId),
      owner: this.redis.keys.mailboxOwner(lane, endpointId, sessionId),
      active: this.redis.keys.mailboxesActive(lane),
      ref: `${endpointId}/${sessionId}`,
    };
  }

  newOwnerId(): string {
    return `drain-${randomUUID()}`;
  }

  static entry<B>(prefix: string, body: B): MailboxEntry<B> {
    return { id: `${prefix}_${randomUUID().replace(/-/g, '')}`, at: Date.now(), body };
  }

  async push<B>(lane: Lane, endpointId: string, sessionId: string, entry: MailboxEntry<B>, options: PushOptions = {}): Promise<PushResult> {
    const k = this.keys(lane, endpointId, sessionId);
    const rawEntry = JSON.stringify(entry);
    const [status, kick] = (await this.redis.client.eval(
      LUA_PUSH,
      5,
      k.mbox,
      k.owner,
      k.active,
      options.dedupeKey ?? '',
      options.requireLiveHandoverKey ?? '',
      rawEntry,
      this.newOwnerId(),
      k.ref,
      options.dedupeTtlSeconds ?? DEDUPE_TTL_SECONDS,
    )) as [string, string?];
    if (status === 'dup') return 'duplicate';
    if (status === 'rejected') return 'rejected';
    if (kick) await this.kick(lane, endpointId, sessionId, kick, rawEntry);
    return 'queued';
  }

  /**
   * Adds the drain job of a new owner. Idempotent: the job id is the owner id. `head` is the raw entry that made
   * the caller the owner of an empty mailbox (so it is the head); the job delivers it without a peek.
   */
  async kick(lane: Lane, endpointId: string, sessionId: string, ownerId: string, head?: string): Promise<void> {
    const job: DrainMailboxJob = { lane, endpointId, sessionId, head };
    await this.queues[lane].add(JobName.DrainMailbox, job, { jobId: ownerId });
  }

  /**
   * The head a drain job starts from: the one it carries on its first run (it was the head when the job was
   * added, and only this job can remove it), otherwise read from the mailbox. A retried or stalled run always
   * reads it: the carried entry may have been delivered and removed by an earlier run.
   */
  async firstHead(job: Pick<Job<DrainMailboxJob>, 'id' | 'data' | 'attemptsMade' | 'stalledCounter'>): Promise<MailboxHead> {
    const { lane, endpointId, sessionId, head } = job.data;
    if (head !== undefined && job.attemptsMade === 0 && job.stalledCounter === 0) return toHead(['head', head]);
    return this.peek(lane, endpointId, sessionId, job.id as string);
  }

  async peek(lane: Lane, endpointId: string, sessionId: string, ownerId: string): Promise<MailboxHead> {
    const k = this.keys(lane, endpointId, sessionId);
    return toHead(await this.redis.client.eval(LUA_PEEK, 3, k.owner, k.mbox, k.active, ownerId, k.ref));
  }

  /** Removes the delivered head (only if it still is the head and `ownerId` still owns the mailbox) and peeks the next. */
  async ackAndPeek(lane: Lane, endpointId: string, sessionId: string, ownerId: string, raw: string): Promise<MailboxHead> {
    const k = this.keys(lane, endpointId, sessionId);
    return toHead(await this.redis.client.eval(LUA_ACK_NEXT, 3, k.owner, k.mbox, k.active, ownerId, raw, k.ref));
  }

  async deadLetter(
    lane: Lane,
    endpointId: string,
    sessionId: string,
    ownerId: string,
    raw: string,
    reason: string,
    attempts: number,
  ): Promise<DeadLetter | undefined> {
    const k = this.keys(lane, endpointId, sessionId);
    const record: DeadLetter = {
      id: `dl_${randomUUID().replace(/-/g, '')}`,
      lane,
      endpointId,
      sessionId,
      entry: JSON.parse(raw) as MailboxEntry,
      reason: reason.slice(0, 500),
      attempts,
      failedAt: new Date().toISOString(),
    };
    const moved = await this.redis.client.eval(
      LUA_DEAD_LETTER,
      5,
      k.owner,
      k.mbox,
      this.redis.keys.deadLetter(record.id),
      this.redis.keys.deadLettersOf(endpointId),
      this.redis.keys.deadLetters(),
      ownerId,
      raw,
      record.id,
      JSON.stringify(record),
      Date.now(),
    );
    return moved === 1 ? record : undefined;
  }

  /** Passes ownership to a fresh drain job (a new attempt budget, and a turn for other sessions). */
  async handoff(lane: Lane, endpointId: string, sessionId: string, ownerId: string): Promise<void> {
    const k = this.keys(lane, endpointId, sessionId);
    const next = this.newOwnerId();
    if ((await this.redis.client.eval(LUA_HANDOFF, 1, k.owner, ownerId, next)) === 1) {
      await this.kick(lane, endpointId, sessionId, next);
    }
  }

  /**
   * Recovers mailboxes whose drain job is gone (a crash between taking ownership and adding the job, or a
   * job that failed outright): re-adds the owner's job, or hands the mailbox to a new one.
   */
  async sweep(lane: Lane): Promise<number> {
    const queue = this.queues[lane];
    const active = this.redis.keys.mailboxesActive(lane);
    let recovered = 0;
    let cursor = '0';
    do {
      const [next, refs] = await this.redis.client.sscan(active, cursor, 'COUNT', 500);
      cursor = next;
      for (const ref of refs) {
        const slash = ref.indexOf('/');
        const [endpointId, sessionId] = [ref.slice(0, slash), ref.slice(slash + 1)];
        const k = this.keys(lane, endpointId, sessionId);
        const owner = await this.redis.client.get(k.owner);
        if (!owner) {
          // Released while we scanned, or never owned: take it if entries remain.
          if ((await this.redis.client.llen(k.mbox)) === 0) continue;
          const fresh = this.newOwnerId();
          if (await this.redis.client.set(k.owner, fresh, 'NX')) {
            await this.kick(lane, endpointId, sessionId, fresh);
            recovered++;
          }
          continue;
        }
        const job = await queue.getJob(owner);
        const state = job ? await job.getState() : 'missing';
        if (state === 'missing' || state === 'unknown') {
          await this.kick(lane, endpointId, sessionId, owner);
          recovered++;
        } else if (state === 'failed' || state === 'completed') {
          await this.handoff(lane, endpointId, sessionId, owner);
          recovered++;
        }
      }
    } while (cursor !== '0');
    return recovered;
  }

  async listDeadLetters(endpointId: string | undefined, limit: number, offset: number): Promise<{ total: number; items: DeadLetter[] }> {
    const index = endpointId ? this.redis.keys.deadLettersOf(endpointId) : this.redis.keys.deadLetters();
    const [total, ids] = await Promise.all([this.redis.client.zcard(index), this.redis.client.zrange(index, offset, offset + limit - 1)]);
    if (ids.length === 0) return { total, items: [] };
    const raws = await this.redis.client.mget(ids.map((id) => this.redis.keys.deadLetter(id)));
    return { total, items: raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as DeadLetter) };
  }

  async getDeadLetter(id: string): Promise<DeadLetter | undefined> {
    const raw = await this.redis.client.get(this.redis.keys.deadLetter(id));
    return raw ? (JSON.parse(raw) as DeadLetter) : undefined;
  }

  /** Puts a dead letter back at the end of its session's mailbox. */
  async replay(deadLetter: DeadLetter): Promise<boolean> {
    const { lane, endpointId, sessionId } = deadLetter;
    const k = this.keys(lane, endpointId, sessionId);
    const rawEntry = JSON.stringify(deadLetter.entry);
    const [status, kick] = (await this.redis.client.eval(
      LUA_REPLAY,
      6,
      this.redis.keys.deadLetter(deadLetter.id),
      this.redis.keys.deadLettersOf(endpointId),
      this.redis.keys.deadLetters(),
      k.mbox,
      k.owner,
      k.active,
      deadLetter.id,
      this.newOwnerId(),
      k.ref,
      rawEntry,
    )) as [string, string?];
    if (status !== 'queued') return false;
    if (kick) await this.kick(lane, endpointId, sessionId, kick, rawEntry);
    return true;
  }
}
