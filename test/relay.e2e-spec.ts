import { getQueueToken, Processor } from '@nestjs/bullmq';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { createHttpAdapter } from '../src/app.setup';
import { AppConfig } from '../src/config/app-config';
import { ConfigModule } from '../src/config/config.module';
import { HealthModule } from '../src/infrastructure/health/health.module';
import { LoggingModule } from '../src/infrastructure/logging/logging.module';
import { MetricsModule } from '../src/infrastructure/metrics/metrics.module';
import { Lane } from '../src/relay/relay-queues';
import { QueuesModule } from '../src/relay/queues.module';
import { RedisModule } from '../src/infrastructure/redis/redis.module';
import { PermanentDeliveryError } from '../src/relay/delivery-errors';
import { LANE_WORKER_OPTIONS, LaneWorker } from '../src/relay/lane-worker';
import { RelayModule } from '../src/relay/relay.module';
import { DeadLetter, MailboxEntry, SessionMailbox } from '../src/relay/session-mailbox';
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

describe('per-session mailboxes (real Redis and BullMQ)', () => {
  let config: AppConfig;
  let close: () => Promise<void>;
  let mailbox: SessionMailbox;
  let destination: RecordingDestination;
  let queues: Queue[];

  beforeAll(async () => {
    config = AppConfig.fromEnvironment(testEnvironment({ DELIVERY_ATTEMPTS: '4', DELIVERY_BACKOFF_MS: '20', WORKER_CONCURRENCY: '16' }));
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
    mailbox = app.get(SessionMailbox);
    destination = app.get(RecordingDestination);
    queues = [app.get<Queue>(getQueueToken(Lane.ToBot)), app.get<Queue>(getQueueToken(Lane.ToAgent))];
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
    await waitForJobs(queues);
    for (const s of sessions) {
      expect(destination.received.get(`to-bot:ep/${s}`)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    }
  });

  it('drops a duplicate push with the same de-duplication key', async () => {
    const dedupeKey = new RedisKeys(config.redisPrefix).botMessageSeen('ep', 'dup', 'x1');
    expect(await push('dup', 0, 'to-bot', dedupeKey)).toBe('queued');
    expect(await push('dup', 0, 'to-bot', dedupeKey)).toBe('duplicate');
    await waitForJobs(queues);
    expect(destination.received.get('to-bot:ep/dup')).toEqual([0]);
  });

  it('isolates a failing session: others flow while it retries, then it is dead-lettered in order and can be replayed', async () => {
    destination.alwaysFail.add('to-agent:ep/broken');
    await push('broken', 1, 'to-agent');
    await push('broken', 2, 'to-agent');
    await push('healthy', 1, 'to-agent');
    await eventually(() => expect(destination.received.get('to-agent:ep/healthy')).toEqual([1]));
    await waitForJobs(queues);
    const { items } = await mailbox.listDeadLetters('ep', 100, 0);
    const broken = items.filter((d) => d.sessionId === 'broken');
    expect(broken.map((d) => (d.entry.body as Body).seq)).toEqual([1, 2]);
    expect(broken.every((d) => d.attempts === 4 && d.reason === 'receiver down')).toBe(true);
    expect(destination.deadLettered).toEqual(expect.arrayContaining(broken.map((d) => d.entry.id)));

    destination.alwaysFail.delete('to-agent:ep/broken');
    for (const d of broken) expect(await mailbox.replay(d)).toBe(true);
    await waitForJobs(queues);
    expect(destination.received.get('to-agent:ep/broken')).toEqual([1, 2]);
    expect((await mailbox.listDeadLetters('ep', 100, 0)).items.filter((d) => d.sessionId === 'broken')).toEqual([]);
    expect(await mailbox.replay(broken[0])).toBe(false);
  });

  it('dead-letters a permanent failure at once, without retries', async () => {
    destination.permanentFail.add('to-bot:ep/perm');
    await push('perm', 7);
    await waitForJobs(queues);
    const { items } = await mailbox.listDeadLetters('ep', 100, 0);
    expect(items.find((d) => d.sessionId === 'perm')).toMatchObject({ attempts: 1, reason: 'receiver said 400' });
  });

  it('starts a drain from the head its job carries only on a first, unstalled run', async () => {
    const k = mailbox.keys('to-bot', 'ep', 'carried');
    const redis = (mailbox as unknown as { redis: { client: import('ioredis').Redis } }).redis.client;
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
    const redis = (mailbox as unknown as { redis: { client: import('ioredis').Redis } }).redis.client;
    await redis.rpush(k.mbox, JSON.stringify(SessionMailbox.entry('evt', { seq: 42 })));
    await redis.sadd(k.active, k.ref);
    await redis.set(k.owner, 'drain-lost-job');
    expect(await mailbox.sweep('to-bot')).toBeGreaterThanOrEqual(1);
    await waitForJobs(queues);
    expect(destination.received.get('to-bot:ep/orphan')).toEqual([42]);
    expect(await redis.exists(k.owner, k.mbox)).toBe(0);
  });
});
