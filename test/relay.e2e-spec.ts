import { getQueueToken, Processor } from '@nestjs/bullmq';
import { INestApplication, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { createHttpAdapter } from '../src/app.setup';
import { AppConfig } from '../src/config/app-config';
import { ConfigModule } from '../src/config/config.module';
import { HealthModule } from '../src/infrastructure/health/health.module';
import { LoggingModule } from '../src/infrastructure/logging/logging.module';
import { MetricsModule } from '../src/infrastructure/metrics/metrics.module';
import { MetricsService } from '../src/infrastructure/metrics/metrics.service';
import { JobName, Lane } from '../src/relay/relay-queues';
import { QueuesModule } from '../src/relay/queues.module';
import { RedisModule } from '../src/infrastructure/redis/redis.module';
import { RedisService } from '../src/infrastructure/redis/redis.service';
import { PermanentDeliveryError } from '../src/relay/delivery-errors';
import { LANE_WORKER_OPTIONS, LaneWorker } from '../src/relay/lane-worker';
import { LocalDrains } from '../src/relay/local-drains';
import { processOfOwner } from '../src/relay/mailbox-owners';
import { RelayModule } from '../src/relay/relay.module';
import { DeadLetter, MailboxEntry, OVERDUE_JOB_MS, SessionMailbox } from '../src/relay/session-mailbox';
import { LogCapture } from './support/log-capture';
import { deleteKeysWithPrefix } from './support/redis-cleanup';
import { testEnvironment } from './support/test-app';
import { eventually, waitForJobs } from './support/wait-for-jobs';
import { RedisKeys } from '../src/infrastructure/redis/redis-keys';

interface Body {
  seq: number;
}

/** A destination that records what it receives and fails on demand, per session. */
@Injectable()
class RecordingDestination {
  readonly received = new Map<string, number[]>();
  readonly failNext = new Map<string, number>();
  readonly alwaysFail = new Set<string>();
  readonly permanentFail = new Set<string>();
  readonly deadLettered: string[] = [];

  async deliver(lane: Lane, endpointId: string, sessionId: string, entry: MailboxEntry): Promise<void> {
    const key = `${lane}:${endpointId}/${sessionId}`;
    await new Promise((r) => setTimeout(r, Math.random() * 3));
    if (this.permanentFail.has(key)) throw new PermanentDeliveryError('receiver said 400');
    if (this.alwaysFail.has(key)) throw new Error('receiver down');
    const failures = this.failNext.get(key) ?? 0;
    if (failures > 0) {
      this.failNext.set(key, failures - 1);
      throw new Error('transient failure');
    }
    const list = this.received.get(key) ?? [];
    list.push((entry.body as Body).seq);
    this.received.set(key, list);
  }
}

/** Both lanes' workers deliver to the one recording destination. */
@Injectable()
abstract class RecordingLane extends LaneWorker {
  constructor(private readonly destination: RecordingDestination) {
    super();
  }

  deliver(endpointId: string, sessionId: string, entry: MailboxEntry): Promise<void> {
    return this.destination.deliver(this.lane, endpointId, sessionId, entry);
  }

  async onDeadLetter(deadLetter: DeadLetter): Promise<void> {
    this.destination.deadLettered.push(deadLetter.entry.id);
  }
}

@Processor(Lane.ToBot, LANE_WORKER_OPTIONS)
class ToBotRecordingLane extends RecordingLane {
  readonly lane = Lane.ToBot;
}

@Processor(Lane.ToAgent, LANE_WORKER_OPTIONS)
class ToAgentRecordingLane extends RecordingLane {
  readonly lane = Lane.ToAgent;
}

@Module({ imports: [RelayModule], providers: [RecordingDestination, ToBotRecordingLane, ToAgentRecordingLane] })
class TestDestinationModule {}

/** The relay with the recording destination, in-process; a second one on the same config shares its Redis keys. */
async function relayApp(config: AppConfig): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config),
      LoggingModule.forRoot(config, new LogCapture()),
      RedisModule,
      QueuesModule,
      MetricsModule,
      HealthModule,
      RelayModule,
      TestDestinationModule,
    ],
  }).compile();
  const app = moduleRef.createNestApplication(createHttpAdapter());
  await app.init();
  return app;
}

describe('per-session mailboxes (real Redis and BullMQ)', () => {
  let config: AppConfig;
  let close: () => Promise<void>;
  let mailbox: SessionMailbox;
  let local: LocalDrains;
  let destination: RecordingDestination;
  let toBotLane: ToBotRecordingLane;
  let queues: Queue[];
  let redis: Redis;
  let keys: RedisKeys;
  const env = testEnvironment({ DELIVERY_ATTEMPTS: '4', DELIVERY_BACKOFF_MS: '20', WORKER_CONCURRENCY: '16' });

  beforeAll(async () => {
    config = AppConfig.fromEnvironment(env);
    const app = await relayApp(config);
    mailbox = app.get(SessionMailbox);
    local = app.get(LocalDrains);
    destination = app.get(RecordingDestination);
    toBotLane = app.get(ToBotRecordingLane);
    queues = [app.get<Queue>(getQueueToken(Lane.ToBot)), app.get<Queue>(getQueueToken(Lane.ToAgent))];
    redis = app.get(RedisService).client as Redis;
    keys = new RedisKeys(config.redisPrefix);
    close = async () => {
      await app.close();
      await deleteKeysWithPrefix(config.redisPrefix);
    };
  });

  afterAll(async () => {
    await close();
  });

  const push = (sessionId: string, seq: number, lane: 'to-bot' | 'to-agent' = 'to-bot', dedupeKey?: string) =>
    mailbox.push(lane, 'ep', sessionId, SessionMailbox.entry('evt', { seq }), { dedupeKey });

  it('delivers every entry once and in order per session, under concurrency and transient failures', async () => {
    const sessions = Array.from({ length: 40 }, (_, i) => `s${i}`);
    for (const s of sessions.filter((_, i) => i % 3 === 0)) destination.failNext.set(`to-bot:ep/${s}`, 2);
    // Interleave sessions the way concurrent traffic arrives.
    for (let seq = 0; seq < 25; seq++) {
      await Promise.all(sessions.map((s) => push(s, seq)));
    }
    await waitForJobs(queues, { local });
    for (const s of sessions) {
      expect(destination.received.get(`to-bot:ep/${s}`)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    }
  });

  it('drops a duplicate push with the same de-duplication key', async () => {
    const dedupeKey = keys.botMessageSeen('ep', 'dup', 'x1');
    expect(await push('dup', 0, 'to-bot', dedupeKey)).toBe('queued');
    expect(await push('dup', 0, 'to-bot', dedupeKey)).toBe('duplicate');
    await waitForJobs(queues, { local });
    expect(destination.received.get('to-bot:ep/dup')).toEqual([0]);
  });

  it('isolates a failing session: others flow while it retries, then it is dead-lettered in order and can be replayed', async () => {
    destination.alwaysFail.add('to-agent:ep/broken');
    await push('broken', 1, 'to-agent');
    await push('broken', 2, 'to-agent');
    await push('healthy', 1, 'to-agent');
    await eventually(() => expect(destination.received.get('to-agent:ep/healthy')).toEqual([1]));
    await waitForJobs(queues, { local });
    const { items } = await mailbox.listDeadLetters('ep', 100, 0);
    const broken = items.filter((d) => d.sessionId === 'broken');
    expect(broken.map((d) => (d.entry.body as Body).seq)).toEqual([1, 2]);
    expect(broken.every((d) => d.attempts === 4 && d.reason === 'receiver down')).toBe(true);
    expect(destination.deadLettered).toEqual(expect.arrayContaining(broken.map((d) => d.entry.id)));

    destination.alwaysFail.delete('to-agent:ep/broken');
    for (const d of broken) expect(await mailbox.replay(d)).toBe(true);
    await waitForJobs(queues, { local });
    expect(destination.received.get('to-agent:ep/broken')).toEqual([1, 2]);
    expect((await mailbox.listDeadLetters('ep', 100, 0)).items.filter((d) => d.sessionId === 'broken')).toEqual([]);
    expect(await mailbox.replay(broken[0])).toBe(false);
  });

  it('dead-letters a permanent failure at once, without retries', async () => {
    destination.permanentFail.add('to-bot:ep/perm');
    await push('perm', 7);
    await waitForJobs(queues, { local });
    const { items } = await mailbox.listDeadLetters('ep', 100, 0);
    expect(items.find((d) => d.sessionId === 'perm')).toMatchObject({ attempts: 1, reason: 'receiver said 400' });
  });

  it('starts a drain from the head its job carries only on a first, unstalled run', async () => {
    const k = mailbox.keys('to-bot', 'ep', 'carried');
    const current = JSON.stringify(SessionMailbox.entry('evt', { seq: 2 }));
    await redis.rpush(k.mbox, current);
    await redis.set(k.owner, 'drain-carried');
    // What the job was added with; by a retry or a stalled re-run it may have been delivered and removed already.
    const carried = JSON.stringify(SessionMailbox.entry('evt', { seq: 1 }));
    const job = (run: { attemptsMade?: number; stalledCounter?: number }) => ({
      id: 'drain-carried',
      data: { lane: 'to-bot' as const, endpointId: 'ep', sessionId: 'carried', head: carried },
      attemptsMade: 0,
      stalledCounter: 0,
      ...run,
    });
    expect(await mailbox.firstHead(job({}))).toMatchObject({ raw: carried });
    expect(await mailbox.firstHead(job({ attemptsMade: 1 }))).toMatchObject({ raw: current });
    expect(await mailbox.firstHead(job({ stalledCounter: 1 }))).toMatchObject({ raw: current });
    await redis.del(k.mbox, k.owner);
  });

  it('recovers a mailbox whose drain job was lost (crash between push and job add)', async () => {
    const k = mailbox.keys('to-bot', 'ep', 'orphan');
    await redis.rpush(k.mbox, JSON.stringify(SessionMailbox.entry('evt', { seq: 42 })));
    await redis.sadd(k.active, k.ref);
    await redis.set(k.owner, 'drain-lost-job');
    expect(await mailbox.sweep('to-bot')).toBeGreaterThanOrEqual(1);
    await waitForJobs(queues, { local });
    expect(destination.received.get('to-bot:ep/orphan')).toEqual([42]);
    expect(await redis.exists(k.owner, k.mbox)).toBe(0);
  });
  /** How many drain jobs a lane's queue has ever added (BullMQ's id counter). */
  const jobsAdded = async (lane: Lane) => Number((await redis.get(`${keys.bullPrefix(lane)}:${lane}:id`)) ?? 0);

  it('delivers from an empty mailbox in this process, without a BullMQ job, and a failed try through a drain job', async () => {
    const before = await jobsAdded(Lane.ToBot);
    for (let seq = 0; seq < 5; seq++) {
      await push('quiet', seq);
      await eventually(() => expect(destination.received.get('to-bot:ep/quiet')?.length).toBe(seq + 1));
    }
    expect(await jobsAdded(Lane.ToBot)).toBe(before);

    // The local try fails; a drain job retries after the backoff, and the entries behind it wait for it.
    destination.failNext.set('to-bot:ep/flaky', 1);
    await push('flaky', 1);
    await push('flaky', 2);
    await waitForJobs(queues, { local });
    expect(destination.received.get('to-bot:ep/flaky')).toEqual([1, 2]);
    expect(await jobsAdded(Lane.ToBot)).toBe(before + 1);
  });

  it("takes over a dead process's local mailboxes within a heartbeat, and leaves a live process's alone", async () => {
    const orphan = mailbox.keys('to-bot', 'ep', 'of-dead');
    const kept = mailbox.keys('to-bot', 'ep', 'of-live');
    for (const [k, owner, seq] of [
      [orphan, 'local:dead-process:1', 51],
      [kept, 'local:live-process:1', 52],
    ] as const) {
      await redis.rpush(k.mbox, JSON.stringify(SessionMailbox.entry('evt', { seq })));
      await redis.sadd(k.active, k.ref);
      await redis.set(k.owner, owner);
    }
    await redis.set(keys.relayProcess('live-process'), '1', 'PX', 60000);
    await redis.sadd(keys.relayProcesses(), 'dead-process', 'live-process');

    // The sweeper of every process looks for dead ones every second (HEARTBEAT_MS).
    await eventually(() => expect(destination.received.get('to-bot:ep/of-dead')).toEqual([51]), { timeoutMs: 5000 });
    await eventually(async () => expect(await redis.smembers(keys.relayProcesses())).not.toContain('dead-process'));
    expect(await redis.exists(orphan.owner, orphan.mbox)).toBe(0);
    expect(await redis.get(kept.owner)).toBe('local:live-process:1');
    expect(destination.received.get('to-bot:ep/of-live')).toBeUndefined();

    // Its heartbeat gone, the live one's turn comes too.
    await redis.del(keys.relayProcess('live-process'));
    await eventually(() => expect(destination.received.get('to-bot:ep/of-live')).toEqual([52]), { timeoutMs: 5000 });
  });

  it('keeps a dead process listed until a sweep went over every lane (Redis failing meanwhile), then takes over', async () => {
    const k = mailbox.keys('to-bot', 'ep', 'of-dead-later');
    await redis.rpush(k.mbox, JSON.stringify(SessionMailbox.entry('evt', { seq: 71 })));
    await redis.sadd(k.active, k.ref);
    await redis.set(k.owner, 'local:dead-later:1');
    const failing = jest.spyOn(mailbox, 'sweep').mockRejectedValue(new Error('CLUSTERDOWN The cluster is down'));
    try {
      await redis.sadd(keys.relayProcesses(), 'dead-later');
      // The sweeper looks every second; its sweeps fail, so the process stays listed and its mailbox waits.
      await eventually(() => expect(failing.mock.calls.length).toBeGreaterThanOrEqual(4), { timeoutMs: 5000 });
      expect(await redis.smembers(keys.relayProcesses())).toContain('dead-later');
      expect(destination.received.get('to-bot:ep/of-dead-later')).toBeUndefined();
    } finally {
      failing.mockRestore();
    }
    await eventually(() => expect(destination.received.get('to-bot:ep/of-dead-later')).toEqual([71]), { timeoutMs: 5000 });
    await eventually(async () => expect(await redis.smembers(keys.relayProcesses())).not.toContain('dead-later'));
  });

  it('starts a local owner of this process whose start was lost (Redis ran the push, its answer got lost), once', async () => {
    const k = mailbox.keys('to-bot', 'ep', 'lost-start');
    const owner = `local:${local.processId}:lost`;
    const raw = JSON.stringify(SessionMailbox.entry('evt', { seq: 61 }));
    await redis.rpush(k.mbox, raw);
    await redis.sadd(k.active, k.ref);
    await redis.set(k.owner, owner);
    expect(await mailbox.sweep('to-bot', { jobs: false })).toBe(1);
    await waitForJobs(queues, { local });
    expect(destination.received.get('to-bot:ep/lost-start')).toEqual([61]);
    // Should the lost start come after all, it is stale and ignored.
    local.take({ lane: 'to-bot', endpointId: 'ep', sessionId: 'lost-start', owner, head: raw });
    await waitForJobs(queues, { local });
    expect(destination.received.get('to-bot:ep/lost-start')).toEqual([61]);
    expect(await redis.exists(k.owner, k.mbox)).toBe(0);
  });

  it('takes over a drain job that no worker took in time (a worker stalled after a Redis failover)', async () => {
    const k = mailbox.keys('to-bot', 'ep', 'overdue');
    const owner = 'drain-overdue';
    const later = mailbox.keys('to-bot', 'ep', 'in-backoff');
    await toBotLane.worker.pause(true);
    try {
      await redis.rpush(k.mbox, JSON.stringify(SessionMailbox.entry('evt', { seq: 91 })));
      await redis.sadd(k.active, k.ref);
      await redis.set(k.owner, owner);
      await queues[0].add(JobName.DrainMailbox, { lane: Lane.ToBot, endpointId: 'ep', sessionId: 'overdue' }, { jobId: owner, delay: 10 });
      // A retry still in its backoff is left to its job, even when its last run started long before (a slow failure).
      await redis.rpush(later.mbox, JSON.stringify(SessionMailbox.entry('evt', { seq: 92 })));
      await redis.sadd(later.active, later.ref);
      await redis.set(later.owner, 'drain-backoff');
      await queues[0].add(
        JobName.DrainMailbox,
        { lane: Lane.ToBot, endpointId: 'ep', sessionId: 'in-backoff' },
        { jobId: 'drain-backoff', delay: 60_000 },
      );
      await redis.hset(queues[0].toKey('drain-backoff'), 'processedOn', String(Date.now() - 120_000));
      expect(await mailbox.takeOverdueJobs(Lane.ToBot)).toBe(0);
      expect(await mailbox.takeOverdueJobs(Lane.ToBot, Date.now() + OVERDUE_JOB_MS + 1000)).toBe(1);
      await eventually(() => expect(destination.received.get('to-bot:ep/overdue')).toEqual([91]));
      expect(await redis.get(later.owner)).toBe('drain-backoff');
      await (await queues[0].getJob('drain-backoff'))?.remove();
      await redis.del(later.owner, later.mbox);
      await redis.srem(later.active, later.ref);
    } finally {
      toBotLane.worker.resume();
    }
    // The job runs once the worker is back, finds another owner, and ends without delivering again.
    await waitForJobs(queues, { local });
    expect(destination.received.get('to-bot:ep/overdue')).toEqual([91]);
    expect(await redis.exists(k.owner, k.mbox)).toBe(0);
  });

  it('hands on a mailbox that still names a finished local run (a failover lost its release)', async () => {
    const k = mailbox.keys('to-bot', 'ep', 'lost-release');
    const owner = `local:${local.processId}:released`;
    const stale = async (seq: number) => {
      await redis.rpush(k.mbox, JSON.stringify(SessionMailbox.entry('evt', { seq })));
      await redis.sadd(k.active, k.ref);
      await redis.set(k.owner, owner);
    };
    await stale(81);
    expect(await mailbox.sweep('to-bot', { jobs: false })).toBe(1);
    await waitForJobs(queues, { local });
    expect(await redis.exists(k.owner)).toBe(0);
    // The promoted replica never had the release: the owner is back, and a push behind it started nothing.
    await stale(82);
    expect(await mailbox.sweep('to-bot', { jobs: false })).toBe(1);
    await waitForJobs(queues, { local });
    expect(destination.received.get('to-bot:ep/lost-release')).toEqual([81, 82]);
    expect(await redis.exists(k.owner, k.mbox)).toBe(0);
  });

  it('at shutdown, hands the mailboxes of local runs to drain jobs, after the entry in flight', async () => {
    const other = await relayApp(AppConfig.fromEnvironment({ ...env, WORKER_CONCURRENCY: '1' }));
    const otherMailbox = other.get(SessionMailbox);
    const blocked = other.get(RecordingDestination);
    const deliver = blocked.deliver.bind(blocked);
    let entered!: () => void;
    const inFlight = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    blocked.deliver = async (...args) => {
      entered();
      await gate;
      return deliver(...args);
    };
    const entry = (seq: number) => SessionMailbox.entry('evt', { seq });
    await otherMailbox.push('to-bot', 'ep', 'sd-a', entry(1));
    await otherMailbox.push('to-bot', 'ep', 'sd-a', entry(2));
    await otherMailbox.push('to-bot', 'ep', 'sd-b', entry(1));
    await otherMailbox.push('to-bot', 'ep', 'sd-c', entry(1));
    await inFlight;
    // One run delivers (WORKER_CONCURRENCY 1), two wait for their turn: local owners of the other process.
    const gauge = await other.get(MetricsService).registry.getSingleMetricAsString('hc_local_drains');
    expect(gauge).toContain('hc_local_drains{lane="to-bot",state="running"} 1');
    expect(gauge).toContain('hc_local_drains{lane="to-bot",state="waiting"} 2');
    for (const s of ['sd-a', 'sd-b', 'sd-c'])
      expect(processOfOwner((await redis.get(mailbox.keys('to-bot', 'ep', s).owner)) ?? '')).toBe(other.get(LocalDrains).processId);

    const closing = other.close();
    try {
      // The waiting ones go to drain jobs at once, which this process delivers while the one in flight goes on.
      await eventually(() => {
        expect(destination.received.get('to-bot:ep/sd-b')).toEqual([1]);
        expect(destination.received.get('to-bot:ep/sd-c')).toEqual([1]);
      });
      expect(blocked.received.get('to-bot:ep/sd-a')).toBeUndefined();
    } finally {
      release();
      await closing;
    }

    expect(blocked.received.get('to-bot:ep/sd-a')).toEqual([1]);
    await waitForJobs(queues, { local });
    expect(destination.received.get('to-bot:ep/sd-a')).toEqual([2]);
    expect(await redis.smembers(keys.relayProcesses())).not.toContain(other.get(LocalDrains).processId);
  });
});
