import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { DrainMailboxJob, JobName, Lane } from './relay-queues';
import { RedisService } from '../infrastructure/redis/redis.service';
import { MAILBOX_ACK_NEXT, MAILBOX_DEAD_LETTER, MAILBOX_HANDOFF, MAILBOX_PEEK, MAILBOX_PUSH, MAILBOX_REPLAY } from './mailbox.scripts';
import { jobOwnerId, processOfOwner } from './mailbox-owners';

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

/** The head entry of a mailbox, `empty` (the mailbox was released) or `not-owner` (another owner has it). */
export type MailboxHead = { raw: string; entry: MailboxEntry } | 'empty' | 'not-owner';

export function toHead(reply: unknown): MailboxHead {
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

/** A new owner of a mailbox, and where its run starts. */
export interface OwnerRun {
  readonly lane: Lane;
  readonly endpointId: string;
  readonly sessionId: string;
  readonly owner: string;
  /** The raw head entry, when the caller knows it (it queued it into an empty mailbox). */
  readonly head?: string;
}

/**
 * The drains that run in this process without a BullMQ job (LocalDrains), as the mailbox sees them: whether a new
 * owner may be local, and where a local owner's run starts.
 */
export interface LocalOwners {
  /** The process its owner ids name (mailbox-owners.ts). */
  readonly processId: string;
  /** Whether the process of a local owner still has its heartbeat. */
  isAlive(processId: string): Promise<boolean>;
  /** A local owner id for a new owner on `lane`, or undefined when this process cannot drain locally now. */
  newOwner(lane: Lane): string | undefined;
  /** Starts (or queues) the run of a local owner that newOwner made. */
  take(run: OwnerRun): void;
  /**
   * Starts the run of an owner of this process that has none (its start was lost: Redis ran the script that made it
   * but its answer never came back). Answers 'started', 'running' when the owner has a run, or 'finished' when its
   * run is over: then the mailbox should not name it any more (see sweepShard).
   */
  adopt(run: OwnerRun): 'started' | 'running' | 'finished';
}

/** What a sweep looks at besides local owners: drain jobs and mailboxes without an owner (the fleet leader's part). */
export interface SweepScope {
  jobs: boolean;
}

/** How a new owner is made to wait before its first try (a retry's backoff, a deferral). */
export interface Later {
  delayMs: number;
  /** Attempts already spent on the head (see DrainMailboxJob.priorAttempts). */
  priorAttempts?: number;
}

/** How long a drain job may stay due without a worker taking it before its mailbox goes to another owner. */
export const OVERDUE_JOB_MS = 3000;
/** Due drain jobs read per lane at each look (the most overdue first). */
const OVERDUE_BATCH = 20;

/** How long an intake de-duplication key (a provider message id, a bot messageId) is remembered. */
export const DEDUPE_TTL_SECONDS = 24 * 3600;

/**
 * Per-session ordered mailboxes (see mailbox.scripts.ts). This service is the only writer of mailbox keys and the
 * only producer of drain jobs; scripts of other modules that push in their own atomic step get the keys and
 * arguments from `pushTarget`, compose LUA_MAILBOX_PUSH, and give what it returned to `afterPush`. A new owner is
 * local (a drain in this process, no job) whenever LocalDrains can take it, else a BullMQ drain job.
 */
@Injectable()
export class SessionMailbox {
  private readonly queues: Record<Lane, Queue>;
  private local?: LocalOwners;

  constructor(
    private readonly redis: RedisService,
    @InjectQueue(Lane.ToBot) toBot: Queue,
    @InjectQueue(Lane.ToAgent) toAgent: Queue,
  ) {
    this.queues = { 'to-bot': toBot, 'to-agent': toAgent };
  }

  /** Called once by LocalDrains: new owners may then be local. */
  useLocalOwners(local: LocalOwners): void {
    this.local = local;
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
      newOwner: this.newOwnerId(lane),
      entry: entry ? JSON.stringify(entry) : '',
    };
  }

  /**
   * After a script pushed onto `target`: starts the new owner's run when the push took ownership (`owner`, what
   * mailbox_push returned; '' or undefined when the mailbox already had one). `head` is the raw entry as stored
   * (when the script changed it, e.g. annotated it), which the run delivers without reading it back.
   */
  async afterPush(target: PushTarget, owner: string | undefined, head: string = target.entry): Promise<void> {
    if (owner)
      await this.start({ lane: target.lane, endpointId: target.endpointId, sessionId: target.sessionId, owner, head: head || undefined });
  }

  private newOwnerId(lane: Lane): string {
    return this.local?.newOwner(lane) ?? jobOwnerId();
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
   * Starts the run of a new owner: a local one in LocalDrains, else its drain job (idempotent: the job id is the
   * owner id). `run.head` is the raw entry that made the caller the owner of an empty mailbox (so it is the head);
   * the run delivers it without a peek.
   */
  private async start(run: OwnerRun, later?: Later): Promise<void> {
    if (processOfOwner(run.owner) !== undefined && this.local) return this.local.take(run);
    const queue = this.queues[run.lane];
    const prior = later?.priorAttempts ?? 0;
    const job: DrainMailboxJob = { lane: run.lane, endpointId: run.endpointId, sessionId: run.sessionId, head: run.head };
    if (prior > 0) job.priorAttempts = prior;
    await queue.add(JobName.DrainMailbox, job, {
      jobId: run.owner,
      delay: later?.delayMs,
      attempts: prior > 0 ? Math.max(1, (queue.defaultJobOptions.attempts ?? 1) - prior) : undefined,
    });
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

  /**
   * Passes ownership to a fresh owner (a new attempt budget, and a turn for other sessions): a local one when it
   * can be, a drain job when it must wait (`later`: a retry's backoff, a deferral) or this process cannot take it.
   */
  async handoff(lane: Lane, endpointId: string, sessionId: string, ownerId: string, later?: Later): Promise<boolean> {
    const k = this.keys(lane, endpointId, sessionId);
    const next = later ? jobOwnerId() : this.newOwnerId(lane);
    if ((await this.redis.run(MAILBOX_HANDOFF, { keys: { owner: k.owner }, args: { expected: ownerId, next } })) !== 1) return false;
    await this.start({ lane, endpointId, sessionId, owner: next }, later);
    return true;
  }

  /**
   * Recovers mailboxes whose owner is gone: a local owner whose process's heartbeat is gone (it died), a local owner
   * of this process without its run, and (`scope.jobs`) a drain job lost (a crash between taking ownership and adding
   * the job) or failed outright. Starts the owner's run again, or hands the mailbox to a new owner.
   */
  async sweep(lane: Lane, scope: SweepScope = { jobs: true }): Promise<number> {
    let recovered = 0;
    const alive = new Map<string, Promise<boolean>>();
    const isAlive = (processId: string) => {
      let known = alive.get(processId);
      if (!known) {
        known = this.local?.isAlive(processId) ?? Promise.resolve(true);
        alive.set(processId, known);
      }
      return known;
    };
    for (const shard of this.redis.keys.shards()) recovered += await this.sweepShard(lane, shard, scope, isAlive);
    return recovered;
  }

  private async sweepShard(
    lane: Lane,
    shard: number,
    scope: SweepScope,
    isAlive: (processId: string) => Promise<boolean>,
  ): Promise<number> {
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
          if (!scope.jobs) continue;
          // Released while we scanned, or never owned: take it if entries remain.
          if ((await this.redis.client.llen(k.mbox)) === 0) continue;
          const fresh = this.newOwnerId(lane);
          if (await this.redis.client.set(k.owner, fresh, 'NX')) {
            await this.start({ lane, endpointId, sessionId, owner: fresh });
            recovered++;
          }
          continue;
        }
        const ownerProcess = processOfOwner(owner);
        if (ownerProcess !== undefined) {
          if (ownerProcess === this.local?.processId) {
            const run = this.local.adopt({ lane, endpointId, sessionId, owner });
            // A finished run still named: read just before it released the mailbox, or its release was lost (a
            // Redis failover promotes a replica that had not received the last writes). The hand-off checks the
            // owner, so it passes the mailbox on only in the second case.
            if (run === 'started' || (run === 'finished' && (await this.handoff(lane, endpointId, sessionId, owner)))) recovered++;
            continue;
          }
          if (await isAlive(ownerProcess)) continue;
          await this.handoff(lane, endpointId, sessionId, owner);
          recovered++;
          continue;
        }
        if (!scope.jobs) continue;
        const job = await queue.getJob(owner);
        const state = job ? await job.getState() : 'missing';
        if (state === 'missing' || state === 'unknown') {
          await this.start({ lane, endpointId, sessionId, owner });
          recovered++;
        } else if (state === 'failed' || state === 'completed') {
          await this.handoff(lane, endpointId, sessionId, owner);
          recovered++;
        }
      }
    } while (cursor !== '0');
    return recovered;
  }

  /**
   * Hands the mailboxes of drain jobs that are due for OVERDUE_JOB_MS (waiting, or delayed past their time) and that
   * no worker took to a new owner: a local run when this process can take it. After a Redis Cluster failover a BullMQ
   * worker can stop taking jobs (seen in the three-replicas fault test: a retry job still delayed after a minute),
   * and the relay does not wait for it. The job, should it still run, finds another owner and ends.
   */
  async takeOverdueJobs(lane: Lane, now = Date.now()): Promise<number> {
    const queue = this.queues[lane];
    const cutoff = now - OVERDUE_JOB_MS;
    // A delayed job's due time is its score in the delayed set (BullMQ: due ms × 0x1000 + a counter), set when it was
    // added or moved back (a retry's backoff, a deferral); the job's own fields do not say when that was.
    const delayedIds = await this.redis.client.zrangebyscore(queue.keys.delayed, 0, cutoff * 0x1000, 'LIMIT', 0, OVERDUE_BATCH);
    const delayed = await Promise.all(delayedIds.map((id) => queue.getJob(id)));
    // A waiting job is due. When it became due is known only roughly (its creation, or its last run for a retry, plus
    // its delay: no later than the truth), which can only make a job that is due anyway count as overdue sooner.
    const waiting = (await queue.getJobs(['waiting'], 0, OVERDUE_BATCH - 1, true)).filter(
      (job) => (job.processedOn ?? job.timestamp) + (job.delay ?? 0) < cutoff,
    );
    let taken = 0;
    for (const job of [...delayed, ...waiting]) {
      if (!job?.id) continue;
      if (await this.handoff(lane, job.data.endpointId, job.data.sessionId, job.id)) taken++;
    }
    return taken;
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
