/**
 * `npm run bench:reporting`: what the handover facts cost (Redis memory per ended handover, Redis commands per
 * handover) and what a report over BENCH_REPORT_HANDOVERS (100,000) handovers costs, on a throwaway redis-server.
 * It drives the product's own HandoverFactsRecorder and ReportsService (no HTTP, no connector process), with the
 * handovers spread over the last 24 h as the lifecycle would tell them. Writes its section of BENCHMARKS.md (between
 * the reporting markers; bench/run.ts keeps it). About a minute.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { AppConfig } from '../src/config/app-config';
import type { Endpoint } from '../src/endpoints/endpoint.model';
import type { EndpointsService } from '../src/endpoints/endpoints.service';
import type { EndReason, Handover } from '../src/handover/domain/handover.model';
import type { HandoverRef } from '../src/handover/domain/handover-observer';
import { MetricsService } from '../src/infrastructure/metrics/metrics.service';
import { RedisService } from '../src/infrastructure/redis/redis.service';
import { HandoverFactsRecorder } from '../src/reporting/handover-facts.recorder';
import { parseReportQuery } from '../src/reporting/report-query';
import { reportCsv } from '../src/reporting/report-csv';
import { ReportStore } from '../src/reporting/report-store';
import { ReportsService } from '../src/reporting/reports.service';
import { ROOT, startRedis } from './lib/processes';
import { fmt, percentile, table } from './lib/stats';

const HANDOVERS = Number(process.env.BENCH_REPORT_HANDOVERS ?? 100_000);
const IN_FLIGHT = 64;
const RUNS = 5;
const DAY_MS = 86_400_000;
const log = (msg: string) => process.stdout.write(`[bench:reporting +${((performance.now() - t0) / 1000).toFixed(0)}s] ${msg}\n`);
const t0 = performance.now();

/** A deterministic pseudo-random sequence (mulberry32), so every run records the same handovers. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ENDPOINTS: Endpoint[] = ['acme-support', 'acme-sales', 'globex-care', 'initech-help', 'umbrella-desk'].map((id) => ({
  id,
  name: id,
  bot: {},
  provider: { type: 'genesys-cloud-open-messaging', webhookSecret: 'unused-in-this-bench', rateLimitPerMinute: 300 },
  handoverDefaults: {
    skills: [],
    customAttributes: {},
    inactivityTimeoutSeconds: 1800,
    queueTimeoutSeconds: 1800,
    queueUpdateIntervalSeconds: 30,
    serviceLevelSeconds: 60,
  },
  createdAt: '',
  updatedAt: '',
}));
const SKILLS = [['escalation'], ['billing', 'escalation'], ['sales']];
const LANGUAGES = ['english', 'german'];

interface Plan {
  handover: Handover;
  endpoint: Endpoint;
  routing: { skills: string[]; language: string; priority: number; customAttributes: Record<string, string> };
  queuedAt: number;
  answeredAt?: number;
  transferAt?: number;
  messages: number;
  endedAt: number;
  reason: EndReason;
}

/** A realistic mix: 75 % answered (5 s – 5 min), 5 % of them transferred, 15 % abandoned, 5 % queue timeouts. */
function plan(i: number, rnd: () => number, now: number): Plan {
  const endpoint = ENDPOINTS[i % ENDPOINTS.length];
  const requestedAt = now - DAY_MS + Math.floor((i / HANDOVERS) * (DAY_MS - 3_600_000));
  const queuedAt = requestedAt + 300 + Math.floor(rnd() * 500);
  const userId = `u-${Math.floor(rnd() * HANDOVERS * 0.8)}`;
  const handover: Handover = {
    id: `ho_${i.toString(36).padStart(22, '0')}`,
    endpointId: endpoint.id,
    sessionId: `s-${i}`,
    userId,
    state: 'requested',
    createdAt: new Date(requestedAt).toISOString(),
  };
  const routing = { skills: SKILLS[i % SKILLS.length], language: LANGUAGES[i % LANGUAGES.length], priority: 1, customAttributes: {} };
  const roll = rnd();
  if (roll < 0.75) {
    const answeredAt = requestedAt + 5_000 + Math.floor(rnd() * 295_000);
    const endedAt = answeredAt + 60_000 + Math.floor(rnd() * 1_200_000);
    const transferAt = rnd() < 0.05 ? answeredAt + 30_000 : undefined;
    return {
      handover,
      endpoint,
      routing,
      queuedAt,
      answeredAt,
      transferAt,
      messages: 4 + Math.floor(rnd() * 12),
      endedAt,
      reason: 'agent_ended',
    };
  }
  const waited = requestedAt + 10_000 + Math.floor(rnd() * 600_000);
  if (roll < 0.9)
    return { handover, endpoint, routing, queuedAt, messages: 1, endedAt: waited, reason: rnd() < 0.5 ? 'customer_ended' : 'bot_released' };
  return { handover, endpoint, routing, queuedAt, messages: 0, endedAt: requestedAt + 1_800_000, reason: 'queue_timeout' };
}

/** Tells the recorder what the lifecycle would, in order. */
async function play(recorder: HandoverFactsRecorder, p: Plan): Promise<void> {
  const ref: HandoverRef = p.handover;
  const iso = (ms: number) => new Date(ms).toISOString();
  const pending = await recorder.requested(p.endpoint, p.handover, p.routing);
  pending.accepted();
  await recorder.submitted(ref, iso(p.queuedAt - 100));
  await recorder.queued(ref, iso(p.queuedAt));
  if (p.answeredAt) {
    await recorder.answered(ref, iso(p.answeredAt));
    if (p.transferAt) await recorder.transferred(ref, iso(p.transferAt));
    for (let m = 0; m < p.messages; m++) recorder.message(ref, m % 2 ? 'user' : 'agent', iso(p.answeredAt + 1000 * (m + 1)));
  } else if (p.messages) {
    recorder.message(ref, 'user', iso(p.queuedAt + 1000));
  }
  await recorder.ended(ref, p.reason, iso(p.endedAt));
}

async function commandCount(client: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await client.info('stats'))![1]);
}

async function redisCpuMs(client: Redis): Promise<number> {
  const info = await client.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)![1]);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)![1]);
  return (user + sys) * 1000;
}

/** Median wall ms, process CPU ms and Redis CPU ms of RUNS runs of `run` (after one warm-up). */
async function measure(client: Redis, run: () => Promise<unknown>): Promise<{ wallMs: number; cpuMs: number; redisMs: number }> {
  await run();
  const walls: number[] = [];
  const cpus: number[] = [];
  const redis: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cpu = process.cpuUsage();
    const redisBefore = await redisCpuMs(client);
    const began = performance.now();
    await run();
    walls.push(performance.now() - began);
    const used = process.cpuUsage(cpu);
    cpus.push((used.user + used.system) / 1000);
    redis.push((await redisCpuMs(client)) - redisBefore);
  }
  return { wallMs: percentile(walls, 50), cpuMs: percentile(cpus, 50), redisMs: percentile(redis, 50) };
}

async function main(): Promise<void> {
  const server = await startRedis();
  const client = new Redis(server.url);
  const config = AppConfig.fromEnvironment({ NODE_ENV: 'test', REDIS_URL: server.url, REDIS_PREFIX: 'hc' });
  const redis = new RedisService(config);
  await redis.onModuleInit();
  const endpoints = { find: async (id: string) => ENDPOINTS.find((e) => e.id === id) } as unknown as EndpointsService;
  const store = new ReportStore(redis, config.reportRetentionDays * DAY_MS);
  const recorder = new HandoverFactsRecorder(store, endpoints, new MetricsService());
  const reports = new ReportsService(store, endpoints, recorder);
  const used = async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);

  log(`recording ${HANDOVERS} handovers, ${IN_FLIGHT} in flight`);
  const now = Date.now();
  const rnd = random(42);
  const plans = Array.from({ length: HANDOVERS }, (_, i) => plan(i, rnd, now));
  const memoryBefore = await used();
  const commandsBefore = await commandCount(client);
  const cpu = process.cpuUsage();
  const began = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < plans.length) await play(recorder, plans[next++]);
    }),
  );
  await recorder.flush();
  const recordSeconds = (performance.now() - began) / 1000;
  const recordCpu = process.cpuUsage(cpu);
  const commands = (await commandCount(client)) - commandsBefore - 1;
  const memoryAfter = await used();
  log(`recorded in ${recordSeconds.toFixed(1)} s`);

  // Memory by key kind: every key's MEMORY USAGE, grouped by its shape.
  const byKind = new Map<string, { keys: number; bytes: number }>();
  let cursor = '0';
  do {
    const [nextCursor, keys] = await client.scan(cursor, 'COUNT', 2000);
    cursor = nextCursor;
    const usages = (await Promise.all(keys.map((k) => client.memory('USAGE', k, 'SAMPLES', 0)))) as number[];
    keys.forEach((key, i) => {
      const kind = key.split(':').slice(1, 3).join(':');
      const entry = byKind.get(kind) ?? { keys: 0, bytes: 0 };
      entry.keys++;
      entry.bytes += usages[i] ?? 0;
      byKind.set(kind, entry);
    });
  } while (cursor !== '0');
  const kindLabel: Record<string, string> = {
    'report:fact': 'fact hash (one per handover)',
    'report:ev': 'event records (hourly slices, per endpoint)',
    'report:last': 'last handover of a user (24 h only, then expires)',
    'report:dims': 'dimension registries (per endpoint)',
    'report:endpoints': 'endpoints with data (one set)',
    'report:live': 'live-state sets (empty once all ended)',
  };
  const kept = [...byKind].filter(([kind]) => kind !== 'report:last').reduce((sum, [, e]) => sum + e.bytes, 0);
  const memoryTable = table(
    ['keys', 'count', 'MEMORY USAGE total', 'bytes per ended handover'],
    [...byKind]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, e]) => [kindLabel[kind] ?? kind, String(e.keys), `${(e.bytes / 1e6).toFixed(1)} MB`, fmt(e.bytes / HANDOVERS, 0)]),
  );

  // Report queries over the 100,000 handovers (the last 24 h).
  log('measuring report queries');
  const day = { from: new Date(now - DAY_MS).toISOString(), to: new Date(now).toISOString() };
  const queries: { label: string; run: () => Promise<unknown> }[] = [
    { label: 'whole day, one interval, no groups', run: () => reports.report(parseReportQuery(day)) },
    {
      label: 'whole day, groupBy endpointId,routingKey,language, PT1H (30 groups × 24 intervals)',
      run: () => reports.report(parseReportQuery({ ...day, groupBy: 'endpointId,routingKey,language', granularity: 'PT1H' })),
    },
    {
      label: 'the same as CSV (report + CSV text)',
      run: async () => {
        const query = parseReportQuery({ ...day, groupBy: 'endpointId,routingKey,language', granularity: 'PT1H' });
        return reportCsv(await reports.report(query), query.groupBy);
      },
    },
    {
      label: 'one endpoint (20,000 handovers), PT15M',
      run: () => reports.report(parseReportQuery({ ...day, endpointId: 'acme-support', granularity: 'PT15M' })),
    },
    { label: '/details, first page of 100', run: () => reports.details({ from: now - DAY_MS, to: now }, 100, undefined) },
    {
      label: '/details, a page of 1000 in the middle of the day',
      run: () => reports.details({ from: now - DAY_MS / 2, to: now }, 1000, undefined),
    },
    { label: '/live (per endpoint and state)', run: () => reports.live() },
  ];
  const queryRows: string[][] = [];
  for (const q of queries) {
    const m = await measure(client, q.run);
    queryRows.push([q.label, fmt(m.wallMs), fmt(m.cpuMs), fmt(m.redisMs)]);
    log(`${q.label}: ${fmt(m.wallMs)} ms`);
  }
  const sample = (await reports.report(parseReportQuery(day))).groups[0].data[0].metrics;
  const queryTable = table(['query (over the last 24 h)', 'wall ms (median of 5)', 'bench CPU ms', 'Redis CPU ms'], queryRows);

  const totalPerHandover = (memoryAfter - memoryBefore) / HANDOVERS;
  const section = `<!-- reporting -->
Generated by \`npm run bench:reporting\` (bench/reporting.ts) on ${new Date().toISOString()}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}),
redis-server ${(await client.info('server')).match(/redis_version:([\d.]+)/)?.[1]} (throwaway, no persistence), Node ${process.version}.
${HANDOVERS.toLocaleString('en')} handovers over the last 24 h on ${ENDPOINTS.length} endpoints (3 routing keys × 2 languages each): 75 % answered after 5 s – 5 min
(5 % of them transferred, 4–15 messages), 15 % abandoned in the queue, 10 % queue timeouts. The product's HandoverFactsRecorder
recorded them as the lifecycle tells it (${IN_FLIGHT} handovers in flight), and its ReportsService answered the queries, in this process.

**Memory per ended handover: ${fmt(kept / HANDOVERS, 0)} bytes kept for the retention** (MEMORY USAGE of the report keys; budget: **≤ 512 bytes**,
${kept / HANDOVERS <= 512 ? 'met' : 'NOT met'}), plus ${fmt((byKind.get('report:last')?.bytes ?? 0) / Math.max(1, byKind.get('report:last')?.keys ?? 1), 0)} bytes per user for 24 h (the re-handover lookup). used_memory grew by
${fmt(totalPerHandover, 0)} bytes per handover in all (the re-handover keys and the allocator's overhead included). At 90 days' retention that is about
${fmt(((kept / HANDOVERS) * 90 * 1000) / 1e6, 0)} MB per 1,000 handovers a day.

${memoryTable}

Recording: ${fmt(commands / HANDOVERS, 1)} Redis commands per handover (INFO total_commands_processed) in 9 round trips (2 for the request,
1 for submitted, 2 each for queued, answered and ended, 2 more per transfer or delivery failure); message counts are added
once a second per handover with messages, never per message;
${fmt((recordCpu.user + recordCpu.system) / 1000 / HANDOVERS, 2)} ms of recorder CPU per handover; ${fmt(HANDOVERS / recordSeconds, 0)} handovers/s recorded.

Report queries over the ${HANDOVERS.toLocaleString('en')} handovers (${sample.nRequested} requested, ${sample.nAnswered} answered in the window):

${queryTable}

A report reads the event slices of its interval (one LRANGE per endpoint and hour, in chunks of 10,000 records) and never
the fact hashes; its cost grows with the number of handovers in the interval, not with the retention. \`/details\`
reads the \`requested\` records of the slices it pages through plus one HGETALL per row.
<!-- /reporting -->`;

  const file = path.join(ROOT, 'BENCHMARKS.md');
  const existing = readFileSync(file, 'utf8');
  const updated = /<!-- reporting -->[\s\S]*<!-- \/reporting -->/.test(existing)
    ? existing.replace(/<!-- reporting -->[\s\S]*<!-- \/reporting -->/, section)
    : existing.replace('## Where the time goes', `## Handover reporting\n\n${section}\n\n## Where the time goes`);
  writeFileSync(file, updated);
  process.stdout.write(`\n${section}\n`);
  log('BENCHMARKS.md written');

  await redis.onApplicationShutdown();
  client.disconnect();
  await server.child.stop('SIGTERM', 5000);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
