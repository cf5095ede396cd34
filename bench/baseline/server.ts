import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { Job, Queue, Worker } from 'bullmq';
import { BASELINE_QUEUE } from '../lib/bull-jobs';

/**
 * The baseline: the smallest durable relay on the same stack, both directions. node:http, one BullMQ job per
 * message, a Worker (same concurrency as the connector). Agent → bot: the same HMAC check over the raw body as the
 * connector's Genesys webhook, the job POSTs the text to the sink with fetch (undici, keep-alive). User → agent: the
 * bot API's route and bearer API key, the job POSTs an Open Messaging inbound message to Genesys (one OAuth token,
 * fetched again on 401), the session id in the path taken as the customer's id. No sessions, no ordering, no
 * receipts: the practical limit of "HTTP in → Redis → HTTP out".
 */
const port = Number(process.env.PORT);
const secret = process.env.WEBHOOK_SECRET!;
const sinkUrl = process.env.SINK_URL!;
const apiKeyHash = createHash('sha256').update(process.env.API_KEY!).digest();
const genesys = {
  url: process.env.GENESYS_URL!,
  integrationId: process.env.GENESYS_INTEGRATION_ID!,
  basic: Buffer.from(`${process.env.GENESYS_CLIENT_ID}:${process.env.GENESYS_CLIENT_SECRET}`).toString('base64'),
};
const url = new URL(process.env.REDIS_URL!);
const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
const prefix = process.env.REDIS_PREFIX ?? 'baseline';
const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 64);

let token: Promise<string> | undefined;
const fetchToken = async () => {
  const res = await fetch(`${genesys.url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${genesys.basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  if (!res.ok) throw new Error(`token answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
};

async function toAgent(job: Job<{ userId: string; text: string }>): Promise<Response> {
  token ??= fetchToken();
  const res = await fetch(`${genesys.url}/api/v2/conversations/messages/${genesys.integrationId}/inbound/open/message`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      channel: { from: { id: job.data.userId, idType: 'Opaque' }, messageId: job.id, time: new Date().toISOString() },
      text: job.data.text,
    }),
  });
  if (res.status === 401) token = undefined;
  return res;
}

const queue = new Queue(BASELINE_QUEUE, { connection, prefix });
const worker = new Worker(
  BASELINE_QUEUE,
  async (job) => {
    const res =
      job.name === 'u2a'
        ? await toAgent(job)
        : await fetch(sinkUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job.data) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${job.name} answered ${res.status}`);
  },
  { connection, prefix, concurrency },
);
const JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 86400 },
};

function apiKeyOk(header: string | undefined): boolean {
  const match = /^Bearer (\S+)$/.exec(header ?? '');
  return !!match && timingSafeEqual(createHash('sha256').update(match[1]).digest(), apiKeyHash);
}

function signatureOk(header: string | undefined, raw: Buffer): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice(7), 'base64');
  const expected = createHmac('sha256', secret).update(raw).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.statusCode = 200;
    return res.end('ok');
  }
  const userMessage = /^\/v1\/endpoints\/[^/]+\/sessions\/([^/]+)\/messages$/.exec(req.url ?? '');
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    if (userMessage ? !apiKeyOk(req.headers.authorization) : !signatureOk(req.headers['x-hub-signature-256'] as string | undefined, raw)) {
      res.statusCode = 401;
      return res.end();
    }
    let body: { id?: string; messageId?: string; text?: string };
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      res.statusCode = 400;
      return res.end();
    }
    const added = userMessage
      ? queue.add('u2a', { userId: decodeURIComponent(userMessage[1]), text: body.text }, { ...JOB_OPTIONS, jobId: body.messageId })
      : queue.add('m', { id: body.id, text: body.text }, { ...JOB_OPTIONS, jobId: body.id });
    added
      .then(() => {
        res.statusCode = 202;
        res.end();
      })
      .catch(() => {
        res.statusCode = 503;
        res.end();
      });
  });
});
server.keepAliveTimeout = 65000;
server.listen(port, '127.0.0.1');

const stop = async () => {
  server.close();
  await worker.close();
  await queue.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
