import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import Redis from 'ioredis';
import { redisOptionsFromUrl } from '../../src/infrastructure/redis/redis-connection';
import { pickPort } from './ports';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export class RedisUnavailableError extends Error {
  constructor() {
    super('Redis is needed: set REDIS_URL or run "docker compose up -d redis"');
  }
}

/** A Redis the demo may use; `throwaway` when the demo started it and all its data goes with it. */
export interface DemoRedis {
  url: string;
  throwaway: boolean;
  close(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis({
    ...redisOptionsFromUrl(url),
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function startRedisServer(): Promise<DemoRedis | undefined> {
  const port = await pickPort(0, '127.0.0.1');
  // Own process group: a Ctrl-C in the terminal must not stop Redis before the connector has shut down.
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
    detached: true,
  });
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) return undefined;

  // Even when the demo dies without running close(), the child must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
  };

  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 50 && child.exitCode === null; attempt++) {
    if (await answers(url)) return { url, throwaway: true, close: stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  return undefined;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/**
 * `url` (REDIS_URL, or the default local one) when a Redis answers there; else a throwaway `redis-server` child
 * process when one is installed; else a RedisUnavailableError saying how to get one.
 */
export async function provideRedis(url = DEFAULT_REDIS_URL): Promise<DemoRedis> {
  if (await answers(url)) return { url, throwaway: false, close: async () => undefined };
  const started = await startRedisServer();
  if (!started) throw new RedisUnavailableError();
  return started;
}
