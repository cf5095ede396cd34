import type { Socket } from 'node:net';
import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';

/** A client of the single Redis or of the Redis Cluster: the commands are the same (keys carry hash tags). */
export type RedisClient = Redis | Cluster;

/** ioredis options from a redis:// or rediss:// URL (BullMQ takes options, not URLs). */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: db ? Number(db) : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

/**
 * A Redis Cluster client from seed URLs. Credentials and TLS come from the first URL (a cluster has one set);
 * `redisOptions` apply to the connection of every node. MOVED and ASK are followed, and commands sent while a
 * master fails over (CLUSTERDOWN, TRYAGAIN, a refused connection) are retried by ioredis after a short delay.
 */
export function clusterClient(seedUrls: readonly string[], redisOptions: RedisOptions, options: ClusterOptions = {}): Cluster {
  const seeds = seedUrls.map(redisOptionsFromUrl);
  const { username, password, tls } = seeds[0];
  return new Cluster(
    seeds.map(({ host, port }) => ({ host, port })),
    {
      enableAutoPipelining: true,
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      retryDelayOnMoved: 0,
      maxRedirections: 32,
      slotsRefreshTimeout: 2000,
      ...options,
      redisOptions: { username, password, tls, ...redisOptions },
      ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    },
  );
}

/**
 * The commands a client sends in one turn of the event loop go to Redis in one system call: the socket is corked
 * at the turn's first write and uncorked once that turn's I/O callbacks ran. Otherwise each command is a write(2)
 * of its own, which the profile showed as the largest item of the connector's CPU. Applies to every connection
 * the client makes (reconnects included). Returns the client.
 */
export function coalesceWrites(client: Redis): Redis {
  const patch = () => {
    const socket = (client as unknown as { stream?: Socket & { coalesced?: true } }).stream;
    if (!socket || socket.coalesced) return;
    socket.coalesced = true;
    const write = socket.write;
    let corked = false;
    socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
      if (!corked) {
        corked = true;
        socket.cork();
        setImmediate(() => {
          corked = false;
          socket.uncork();
        });
      }
      return write.apply(this, args);
    } as Socket['write'];
  };
  patch();
  client.on('connect', patch);
  return client;
}
