import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { DrainMailboxJob, JobName, Lane } from './relay-queues';
import { RedisService } from '../infrastructure/redis/redis.service';
import { MAILBOX_ACK_NEXT, MAILBOX_DEAD_LETTER, MAILBOX_HANDOFF, MAILBOX_PEEK, MAILBOX_PUSH, MAILBOX_REPLAY } from './mailbox.scripts';

export interface MailboxEntry<B = unknown> {
  /** Stable across retries: the bot sees it as `webhook-id`, Genesys as the message id. */
  id: string;
  /** Epoch ms when the entry was accepted. */
  at: number;
  body: B;
  /**
   * Added by the script that queued the entry, inside its atomic step (e.g. `agentName`, read from the handover
   * at that moment). Absent on plain entries. See parseEntry and LUA_ANNOTATED_ENTRY.
   */
  annotations?: Readonly<Record<string, string | undefined>>;
}

/**
 * The one reader of a raw mailbox entry: the entry's JSON, or `[entry, annotations]` when a script annotated it
 * (LUA_ANNOTATED_ENTRY); the annotations are merged into `entry.annotations`.
 */
export function parseEntry<B = unknown>(raw: string): MailboxEntry<B> {
  const parsed = JSON.parse(raw) as MailboxEntry<B> | [MailboxEntry<B>, Record<string, string>];
  if (!Array.isArray(parsed)) return parsed;
  const [entry, annotations] = parsed;
  return { ...entry, annotations: { ...entry.annotations, ...annotations } };
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
  if (status === 'head' && raw !== undefined) return { raw, entry: parseEntry(raw) };
  return status === 'empty' ? 'empty' : 'not-owner';
}

export interface MailboxKeys {
  mbox: string;
  owner: string;
  active: string;
  ref: string;
}

/**
 * Where a script appends one entry to a mailbox: the keys and arguments of `mailbox_push` (LUA_MAILBOX_PUSH),
 * for scripts of other modules that push in their own atomic step. Pass the owner the script returns to
 * `afterPush`.
 */
export interface PushTarget extends MailboxKeys {
  readonly lane: Lane;
  readonly endpointId: string;
  readonly sessionId: string;
  /** The owner the push takes ownership with when nobody owns the mailbox. */
  readonly newOwner: string;
  /** The raw entry, '' for none (a script may then skip the push). */
  readonly entry: string;
}

/** How long an intake de-duplication key (a provider message id, a bot messageId) is remembered. */
export const DEDUPE_TTL_SECONDS = 24 * 3600;

/**
 * Per-session ordered mailboxes (see mailbox.scripts.ts). This service is the only writer of mailbox keys and the
 * only producer of drain jobs; scripts of other modules that push in their own atomic step get the keys and
 * arguments from `pushTarget`, compose LUA_MAILBOX_PUSH, and give what it returned to `afterPush`.
 */
@Injectable()
export class SessionMailbox {
  private readonly queues: Record<Lane, Queue>;

  constructor(
    private readonly redis: RedisService,
    @InjectQueue(Lane.ToBot) toBot: Queue,
    @InjectQueue(Lane.ToAgent) toAgent: Queue,
  ) {
    this.queues = { 'to-bot': toBot, 'to-agent': toAgent };
  }

  /** A mailbox's keys, to read it (writes go through this class, or a script given a pushTarget). */
  keys(lane: Lane, endpointId: string, sessionId: string): MailboxKeys {
    const keys = this.redis.keys;
    return {
      mbox: keys.mailbox(lane, endpointId, sessionId),
      owner: keys.mailboxOwner(lane, endpointId, sessionId),
      active: keys.mailboxesActive(lane, keys.shardOf(endpointId, sessionId)),
      ref: `${endpointId}/${sessionId}`,
    };
  }

  /** The keys and arguments a script needs to push `entry` (none: '') onto a session's lane with mailbox_push. */
  pushTarget(lane: Lane, endpointId: string, sessionId: string, entry?: MailboxEntry): PushTarget {
    return {
      ...this.keys(lane, endpointId, sessionId),
      lane,
      endpointId,
      sessionId,
      newOwner: this.newOwnerId(),
      entry: entry ? JSON.stringify(entry) : '',
    };
  }

  /**
   * After a script pushed onto `target`: adds the drain job when the push took ownership (`owner`, what
   * mailbox_push returned; '' or undefined when the mailbox already had one). `head` is the raw entry as stored
   * (when the script changed it, e.g. annotated it), which the job delivers without reading it back.
   */
  async afterPush(target: PushTarget, owner: string | undefined, head: string = target.entry): Promise<void> {
    if (owner) await this.kick(target.lane, target.endpointId, target.sessionId, owner, head || undefined);
  }

  private newOwnerId(): string {
    return `drain-${randomUUID()}`;
  }

  static entry<B>(prefix: string, body: B): MailboxEntry<B> {
    return { id: `${prefix}_${randomUUID().replace(/-/g, '')}`, at: Date.now(), body };
  }

  async push<B>(lane: Lane, endpointId: string, sessionId: string, entry: MailboxEntry<B>, options: PushOptions = {}): Promise<PushResult> {
    const target = this.pushTarget(lane, endpointId, sessionId, entry);
    const [status, kick] = (await this.redis.run(MAILBOX_PUSH, {
      keys: {
        mbox: target.mbox,
        owner: target.owner,
        active: target.active,
        dedupe: options.dedupeKey ?? '',
        guard: options.requireLiveHandoverKey ?? '',
      },
      args: {
        entry: target.entry,
        newOwner: target.newOwner,
        ref: target.ref,
        dedupeTtlSeconds: options.dedupeTtlSeconds ?? DEDUPE_TTL_SECONDS,
      },
    })) as [string, string?];
    if (status === 'dup') return 'duplicate';
    if (status === 'rejected') return 'rejected';
    await this.afterPush(target, kick);
    return 'queued';
  }

  /**
   * Adds the drain job of a new owner. Idempotent: the job id is the owner id. `head` is the raw entry that made
   * the caller the owner of an empty mailbox (so it is the head); the job delivers it without a peek.
   */
  private async kick(lane: Lane, endpointId: string, sessionId: string, ownerId: string, head?: string): Promise<void> {
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
    return toHead(
      await this.redis.run(MAILBOX_PEEK, { keys: { owner: k.owner, mbox: k.mbox, active: k.active }, args: { me: ownerId, ref: k.ref } }),
    );
  }

  /** Removes the delivered head (only if it still is the head and `ownerId` still owns the mailbox) and peeks the next. */
  async ackAndPeek(lane: Lane, endpointId: string, sessionId: string, ownerId: string, raw: string): Promise<MailboxHead> {
    const k = this.keys(lane, endpointId, sessionId);
    return toHead(
      await this.redis.run(MAILBOX_ACK_NEXT, {
        keys: { owner: k.owner, mbox: k.mbox, active: k.active },
        args: { me: ownerId, delivered: raw, ref: k.ref },
      }),
    );
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
    const keys = this.redis.keys;
    const shard = keys.shardOf(endpointId, sessionId);
    const record: DeadLetter = {
      id: keys.newId('dl', shard),
      lane,
      endpointId,
      sessionId,
      entry: parseEntry(raw),
      reason: reason.slice(0, 500),
      attempts,
      failedAt: new Date().toISOString(),
    };
    const moved = await this.redis.run(MAILBOX_DEAD_LETTER, {
      keys: {
        owner: k.owner,
        mbox: k.mbox,
        record: keys.deadLetter(record.id),
        endpointIndex: keys.deadLettersOf(endpointId, shard),
        globalIndex: keys.deadLetters(shard),
      },
      args: { me: ownerId, entry: raw, id: record.id, record: JSON.stringify(record), score: Date.now() },
    });
    return moved === 1 ? record : undefined;
  }

  /** Passes ownership to a fresh drain job (a new attempt budget, and a turn for other sessions). */
  async handoff(lane: Lane, endpointId: string, sessionId: string, ownerId: string): Promise<void> {
    const k = this.keys(lane, endpointId, sessionId);
    const next = this.newOwnerId();
    if ((await this.redis.run(MAILBOX_HANDOFF, { keys: { owner: k.owner }, args: { expected: ownerId, next } })) === 1) {
      await this.kick(lane, endpointId, sessionId, next);
    }
  }

  /**
   * Recovers mailboxes whose drain job is gone (a crash between taking ownership and adding the job, or a
   * job that failed outright): re-adds the owner's job, or hands the mailbox to a new one.
   */
  async sweep(lane: Lane): Promise<number> {
    let recovered = 0;
    for (const shard of this.redis.keys.shards()) recovered += await this.sweepShard(lane, shard);
    return recovered;
  }

  private async sweepShard(lane: Lane, shard: number): Promise<number> {
    const queue = this.queues[lane];
    const active = this.redis.keys.mailboxesActive(lane, shard);
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

  /** Dead letters by failure time, oldest first (the shards' indexes merged). */
  async listDeadLetters(endpointId: string | undefined, limit: number, offset: number): Promise<{ total: number; items: DeadLetter[] }> {
    const keys = this.redis.keys;
    const indexes = keys.shards().map((shard) => (endpointId ? keys.deadLettersOf(endpointId, shard) : keys.deadLetters(shard)));
    const { total, members: ids } = await this.redis.mergedRange(indexes, offset, limit, 'lowestFirst');
    const raws = await Promise.all(ids.map((id) => this.redis.client.get(keys.deadLetter(id))));
    return { total, items: raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as DeadLetter) };
  }

  async getDeadLetter(id: string): Promise<DeadLetter | undefined> {
    const raw = await this.redis.client.get(this.redis.keys.deadLetter(id));
    return raw ? (JSON.parse(raw) as DeadLetter) : undefined;
  }

  /** Puts a dead letter back at the end of its session's mailbox. */
  async replay(deadLetter: DeadLetter): Promise<boolean> {
    const { lane, endpointId, sessionId } = deadLetter;
    const target = this.pushTarget(lane, endpointId, sessionId, deadLetter.entry);
    const keys = this.redis.keys;
    const [status, kick] = (await this.redis.run(MAILBOX_REPLAY, {
      keys: {
        record: keys.deadLetter(deadLetter.id),
        endpointIndex: keys.deadLettersOf(endpointId, keys.shardOfId(deadLetter.id)),
        globalIndex: keys.deadLetters(keys.shardOfId(deadLetter.id)),
        mbox: target.mbox,
        owner: target.owner,
        active: target.active,
      },
      args: { id: deadLetter.id, newOwner: target.newOwner, ref: target.ref, entry: target.entry },
    })) as [string, string?];
    if (status !== 'queued') return false;
    await this.afterPush(target, kick);
    return true;
  }
}
