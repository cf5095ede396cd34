import type { TestApp } from './test-app';

/** Every key of the app's prefix and every value, whatever its type, as one searchable text (for secret leaks). */
export async function dumpRedis(t: Pick<TestApp, 'redis' | 'prefix'>): Promise<{ keys: string[]; text: string }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await t.redis.scan(cursor, 'MATCH', `${t.prefix}:*`, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const parts: string[] = [];
  for (const key of keys) {
    const type = await t.redis.type(key);
    const value =
      type === 'string'
        ? await t.redis.get(key)
        : type === 'hash'
          ? await t.redis.hgetall(key)
          : type === 'list'
            ? await t.redis.lrange(key, 0, -1)
            : type === 'set'
              ? await t.redis.smembers(key)
              : type === 'zset'
                ? await t.redis.zrange(key, 0, -1)
                : type === 'stream'
                  ? await t.redis.xrange(key, '-', '+')
                  : `<${type}>`;
    parts.push(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return { keys, text: parts.join('\n') };
}
