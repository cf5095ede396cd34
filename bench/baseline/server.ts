import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { Queue, Worker } from 'bullmq';

/**
 * The baseline: the smallest durable relay on the same stack. node:http, the same HMAC check over the raw body,
 * one BullMQ job per message, a Worker (same concurrency as the connector) POSTing each to the sink with fetch
 * (undici, keep-alive). No sessions, no ordering, no receipts: the practical limit of "HTTP in → Redis → HTTP out".
 */
const port = Number(process.env.PORT);
const secret = process.env.WEBHOOK_SECRET!;
const sinkUrl = process.env.SINK_URL!;
const url = new URL(process.env.REDIS_URL!);
const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
const prefix = process.env.REDIS_PREFIX ?? 'baseline';
const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 64);

const queue = new Queue('relay', { connection, prefix });
const worker = new Worker(
  'relay',
  async (job) => {
    const res = await fetch(sinkUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job.data) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`sink answered ${res.status}`);
  },
  { connection, prefix, concurrency },
);

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
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    if (!signatureOk(req.headers['x-hub-signature-256'] as string | undefined, raw)) {
      res.statusCode = 401;
      return res.end();
    }
    let body: { id: string; text?: string };
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      res.statusCode = 400;
      return res.end();
    }
    queue
      .add(
        'm',
        { id: body.id, text: body.text },
        {
          jobId: body.id,
          attempts: 10,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: true,
          removeOnFail: { age: 7 * 86400 },
        },
      )
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
