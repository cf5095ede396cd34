import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { redisOptionsFromUrl } from '../../src/infrastructure/redis/redis-connection';
import { percentile, sleep } from './stats';

export interface JobCost {
  rate: number;
  jobs: number;
  cpuMsPerJob: number;
  p99Ms: number;
}

/**
 * What one BullMQ job costs by itself on this machine: a Queue and a Worker (concurrency 64, as both systems run)
 * in this process, a no-op job added at a fixed rate for `seconds`; this process's CPU per job, and the p99 from
 * add to processing. The connector and the baseline both pay one job per message, so this is the floor under
 * their CPU per message.
 */
export async function bullmqJobCost(redisUrl: string, rate: number, seconds = 8): Promise<JobCost> {
  const connection = { ...redisOptionsFromUrl(redisUrl), maxRetriesPerRequest: null };
  const prefix = `job-cost-${rate}`;
  const queue = new Queue('cost', { connection, prefix });
  const latencies: number[] = [];
  let done = 0;
  const worker = new Worker(
    'cost',
    async (job) => {
      latencies.push(performance.now() - (job.data as { at: number }).at);
      done++;
    },
    { connection, prefix, concurrency: 64 },
  );
  await worker.waitUntilReady();
  const cpu = process.cpuUsage();
  const began = performance.now();
  let added = 0;
  while (performance.now() - began < seconds * 1000) {
    const due = Math.floor(((performance.now() - began) * rate) / 1000);
    for (; added < due; added++) void queue.add('noop', { at: performance.now() }, { removeOnComplete: true, attempts: 3 });
    await sleep(2);
  }
  const deadline = Date.now() + 30000;
  while (done < added && Date.now() < deadline) await sleep(10);
  const used = process.cpuUsage(cpu);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { rate, jobs: done, cpuMsPerJob: (used.user + used.system) / 1000 / done, p99Ms: percentile(latencies, 99) };
}
