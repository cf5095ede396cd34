import Redis, { ReplyError } from 'ioredis';
import { MaxRetriesPerRequestError } from 'ioredis/built/errors';
import ClusterAllFailedError from 'ioredis/built/errors/ClusterAllFailedError';
import { isRedisUnavailableError } from './redis-errors';

describe('isRedisUnavailableError', () => {
  it('recognises ioredis giving up on a command, by class', () => {
    expect(isRedisUnavailableError(new MaxRetriesPerRequestError(1), 'ready')).toBe(true);
  });

  it('recognises connection failures by their system error code', () => {
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']) {
      expect(isRedisUnavailableError(Object.assign(new Error(`connect ${code}`), { code }), 'ready')).toBe(true);
    }
    expect(isRedisUnavailableError(Object.assign(new Error('no such file'), { code: 'ENOENT' }), 'ready')).toBe(false);
  });

  it('recognises a connection closed under the command, even once the client is ready again', () => {
    expect(isRedisUnavailableError(new Error('Connection is closed.'), 'ready')).toBe(true);
    expect(isRedisUnavailableError(new Error('Connection is closed. Or is it?'), 'ready')).toBe(false);
  });

  it('counts any error but a reply of Redis as an outage while the client is not ready', () => {
    const unwritable = new Error("Stream isn't writeable and enableOfflineQueue options is false");
    expect(isRedisUnavailableError(unwritable, 'reconnecting')).toBe(true);
    expect(isRedisUnavailableError(unwritable, 'connecting')).toBe(true);
    expect(isRedisUnavailableError(unwritable, 'ready')).toBe(false);
    expect(isRedisUnavailableError(new ReplyError('ERR unknown command'), 'reconnecting')).toBe(false);
  });

  it('recognises a Redis Cluster failing over: its replies, and the cluster client giving up on a slot', () => {
    for (const reply of [
      'CLUSTERDOWN The cluster is down',
      'TRYAGAIN Multiple keys request during rehashing',
      "READONLY You can't write against a read only replica.",
    ]) {
      expect(isRedisUnavailableError(new ReplyError(reply), 'ready')).toBe(true);
    }
    expect(isRedisUnavailableError(new ClusterAllFailedError('Failed to refresh slots cache.', new Error('x')), 'ready')).toBe(true);
    expect(isRedisUnavailableError(new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'), 'ready')).toBe(
      true,
    );
    expect(isRedisUnavailableError(new ReplyError('ERR CLUSTERDOWN is not a thing'), 'ready')).toBe(false);
  });

  it('leaves other errors alone', () => {
    expect(isRedisUnavailableError(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'), 'ready')).toBe(
      false,
    );
    expect(isRedisUnavailableError(new TypeError('x is undefined'), 'ready')).toBe(false);
    expect(isRedisUnavailableError('a string', 'end')).toBe(false);
  });

  it('recognises what ioredis really throws with nothing listening, and after quit', async () => {
    const client = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
    client.on('error', () => undefined);
    const refused = await client.get('k').catch((err: unknown) => err);
    expect(isRedisUnavailableError(refused, client.status)).toBe(true);
    client.disconnect();

    const live = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    await live.connect();
    await live.quit();
    const closed = await live.get('k').catch((err: unknown) => err);
    expect(isRedisUnavailableError(closed, live.status)).toBe(true);
  });
});
