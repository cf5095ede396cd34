import { createHmac, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { DeliveryTracker } from './tracker';
import { percentile, sleep } from './stats';

/** Builds one request: its path, headers and body, and the tracker key of the message it carries. */
export type MessageFactory = (tracker: DeliveryTracker) => { path: string; headers: Record<string, string>; body: string; key: string };

export interface PointSpec {
  name: string;
  /** Where to send; several = replicas behind a load balancer: requests spread round robin over them. */
  baseUrl: string | readonly string[];
  factory: MessageFactory;
  durationS: number;
  connections: number;
  /** Fixed arrival rate (open model); omitted = saturation (closed model). */
  rate?: number;
  /** Run during the load, `afterS` seconds in (e.g. kill a process); awaited before the drain. */
  fault?: { afterS: number; run: () => Promise<void> };
  /** After the load, wait for deliveries at most `maxS`, or until none for `quietS` (defaults 30 and 5). */
  drain?: { maxS: number; quietS: number };
}

const urlsOf = (spec: PointSpec): readonly string[] => (typeof spec.baseUrl === 'string' ? [spec.baseUrl] : spec.baseUrl);

export interface PointResult {
  name: string;
  model: string;
  acceptedPerS: number;
  /** Unique deliveries of this point's messages, acknowledged or not (one in flight when the load stopped is not). */
  delivered: number;
  deliveredPerS: number;
  errors: number;
  p50: number;
  p99: number;
  p999: number;
  e2eP50: number;
  e2eP99: number;
  e2eP999: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  inversions: number;
  unexpected: number;
  stray: number;
  drainS: number;
}

/**
 * One load point with autocannon: fixed rate (`overallRate`, latency corrected for coordinated omission by
 * autocannon) or closed-loop saturation; every request gets a unique message (fresh id, seq, signature) from
 * `factory`. Then waits for the deliveries to stop (bounded) and summarises.
 */
let pointCounter = 0;

export async function runPoint(spec: PointSpec, tracker: DeliveryTracker): Promise<PointResult> {
  tracker.begin(`p${++pointCounter}`);
  const started = Date.now();
  const fault = spec.fault && sleep(spec.fault.afterS * 1000).then(spec.fault.run);
  const result = spec.rate ? await openLoad(spec, tracker, spec.rate) : await closedLoad(spec, tracker);
  await fault;
  const loadEnded = Date.now();
  // Drain: until every accepted message arrived, or no progress for quietS (at most maxS).
  const { maxS, quietS } = spec.drain ?? { maxS: 30, quietS: 5 };
  let last = -1;
  let still = Date.now();
  while (Date.now() - loadEnded < maxS * 1000) {
    const n = tracker.deliveredAcceptedCount();
    if (n >= tracker.acceptedCount) break;
    if (n !== last) {
      last = n;
      still = Date.now();
    } else if (Date.now() - still > quietS * 1000) break;
    await sleep(100);
  }
  // Then the messages in flight when the load stopped (sent, never acknowledged): they cost their jobs too.
  for (let n = -1, since = Date.now(); n !== tracker.arrivedCount && Date.now() - since < 5000; await sleep(300)) n = tracker.arrivedCount;
  const s = tracker.summary();
  const elapsedS = (loadEnded - started) / 1000;
  return {
    name: spec.name,
    model: spec.rate ? `open ${spec.rate}/s` : `closed c=${spec.connections}`,
    acceptedPerS: s.accepted / elapsedS,
    delivered: s.delivered,
    deliveredPerS: s.deliveredPerS,
    errors: result.errors,
    p50: result.p50,
    p99: result.p99,
    p999: result.p999,
    e2eP50: s.e2eP50,
    e2eP99: s.e2eP99,
    e2eP999: s.e2eP999,
    lost: s.lost,
    duplicates: s.duplicates,
    outOfOrder: s.outOfOrder,
    inversions: s.inversions,
    unexpected: s.unexpected,
    stray: s.stray,
    drainS: (Date.now() - loadEnded) / 1000,
  };
}

interface LoadResult {
  errors: number;
  p50: number;
  p99: number;
  p999: number;
}

/**
 * Saturation (closed model): autocannon, `connections` in flight, each sends its next request on the response;
 * over several URLs, one autocannon per URL with its share of the connections (latency: the worst of their
 * percentiles).
 */
async function closedLoad(spec: PointSpec, tracker: DeliveryTracker): Promise<LoadResult> {
  const urls = urlsOf(spec);
  const results = await Promise.all(urls.map((url) => closedLoadOn(url, Math.ceil(spec.connections / urls.length), spec, tracker)));
  return {
    errors: results.reduce((n, r) => n + r.errors, 0),
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    p999: Math.max(...results.map((r) => r.p999)),
  };
}

async function closedLoadOn(url: string, connections: number, spec: PointSpec, tracker: DeliveryTracker): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration: spec.durationS,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        setupRequest: (req, context) => {
          const m = spec.factory(tracker);
          context.key = m.key;
          return { ...req, path: m.path, headers: m.headers, body: m.body };
        },
        onResponse: (status, _body, context) => {
          if (status >= 200 && status < 300) tracker.markAccepted(context.key as string);
        },
      },
    ],
  });
  return {
    errors: result.non2xx + result.errors + result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    p999: result.latency.p99_9,
  };
}

/**
 * Fixed arrival rate (open model). autocannon's `overallRate` is a per-connection, per-second quota sent back to
 * back at the start of every second (bursts), so this schedules every request at its own instant
 * (start + i / rate) whatever is still in flight, on an undici pool; latency is measured from the scheduled
 * instant, so a stalled server cannot hide its queueing (no coordinated omission).
 */
async function openLoad(spec: PointSpec, tracker: DeliveryTracker, rate: number): Promise<LoadResult> {
  const pools = urlsOf(spec).map(
    (url) => new Pool(url, { connections: Math.max(spec.connections, 256), pipelining: 1, keepAliveTimeout: 60000 }),
  );
  const latencies: number[] = [];
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const total = Math.round(rate * spec.durationS);
  const begin = performance.now();
  let issued = 0;
  while (issued < total) {
    const due = Math.min(total, Math.floor(((performance.now() - begin) * rate) / 1000) + 1);
    for (; issued < due; issued++) {
      const scheduled = begin + (issued * 1000) / rate;
      const m = spec.factory(tracker);
      const p = pools[issued % pools.length]
        .request({ method: 'POST', path: m.path, headers: m.headers, body: m.body, headersTimeout: 30000, bodyTimeout: 30000 })
        .then(async (res) => {
          await res.body.dump();
          latencies.push(performance.now() - scheduled);
          if (res.statusCode >= 200 && res.statusCode < 300) tracker.markAccepted(m.key);
          else errors++;
        })
        .catch(() => {
          errors++;
        });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await sleep(2);
  }
  await Promise.race([Promise.all(inFlight), sleep(30000)]);
  await Promise.all(pools.map((pool) => pool.close().catch(() => undefined)));
  const sorted = latencies.sort((a, b) => a - b);
  return { errors, p50: percentile(sorted, 50, true), p99: percentile(sorted, 99, true), p999: percentile(sorted, 99.9, true) };
}

/** X-Hub-Signature-256 as Genesys sends it: sha256=<base64 HMAC-SHA256(secret, raw body)>. */
export function genesysSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`;
}

export interface WebhookTarget {
  path: string;
  secret: string;
  integrationId: string;
  /** The live sessions to spread over (round robin). */
  sessions: { userId: string; conversationId?: string }[];
}

/** Signed Genesys Open Messaging outbound (agent) text webhooks, round robin over the sessions. */
export function genesysWebhooks(target: WebhookTarget): MessageFactory {
  let i = 0;
  return (tracker) => {
    const index = i++ % target.sessions.length;
    const session = target.sessions[index];
    const { key, text } = tracker.next(index);
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      channel: {
        id: target.integrationId,
        platform: 'Open',
        type: 'Private',
        messageId: id,
        to: { id: session.userId, idType: 'Opaque' },
        from: { id: target.integrationId, idType: 'Opaque' },
        time: new Date().toISOString(),
      },
      ...(session.conversationId ? { conversationId: session.conversationId } : {}),
      type: 'Text',
      text,
      direction: 'Outbound',
      originatingEntity: 'Human',
    });
    return {
      path: target.path,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': genesysSignature(target.secret, body) },
      body,
      key,
    };
  };
}

export interface McxWebhookTarget {
  path: string;
  secret: string;
  channelId: string;
  /** The consumer ids of the live handovers to spread over (round robin). */
  consumers: string[];
}

/** Signed Genesys Multicloud CX Third-Party Messaging (agent) text webhooks, round robin over the consumers. */
export function mcxWebhooks(target: McxWebhookTarget): MessageFactory {
  let i = 0;
  return (tracker) => {
    const index = i++ % target.consumers.length;
    const { key, text } = tracker.next(index);
    const body = JSON.stringify({
      channel: {
        id: target.channelId,
        type: 'sms',
        from: { id: target.channelId },
        to: { id: target.consumers[index] },
        messageId: `${Date.now()}-${randomUUID()}`,
      },
      type: 'Text',
      text,
    });
    const signature = `sha1=${createHmac('sha1', target.secret).update(body).digest('hex')}`;
    return { path: target.path, headers: { 'content-type': 'application/json', 'x-hub-signature': signature }, body, key };
  };
}

/** Bot API user messages (`POST /v1/endpoints/:id/sessions/:sid/messages`), round robin over the sessions. */
export function botMessages(endpointId: string, apiKey: string, sessionIds: string[]): MessageFactory {
  let i = 0;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
  return (tracker) => {
    const index = i++ % sessionIds.length;
    const { key, text } = tracker.next(index);
    return {
      path: `/v1/endpoints/${endpointId}/sessions/${encodeURIComponent(sessionIds[index])}/messages`,
      headers,
      body: JSON.stringify({ messageId: randomUUID(), text }),
      key,
    };
  };
}
