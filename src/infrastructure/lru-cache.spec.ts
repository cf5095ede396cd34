import { LruCache } from './lru-cache';

describe('LruCache', () => {
  it('keeps at most its capacity and forgets the least recently used entry first', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('replaces a value without growing', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('a', 2);
    expect(cache.size).toBe(1);
    expect(cache.get('a')).toBe(2);
  });

  it('forgets a deleted entry', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.delete('a');
    cache.delete('never-there');
    expect(cache.size).toBe(0);
    expect(cache.get('a')).toBeUndefined();
  });
  it('evicts in least-recently-used order over a long mix of reads, writes and deletes', () => {
    const capacity = 50;
    const cache = new LruCache<number, number>(capacity);
    // Reference model: keys in recency order, least recent first.
    let order: number[] = [];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 20000; i++) {
      const key = random(200);
      const op = random(10);
      if (op < 5) {
        cache.set(key, i);
        order = [...order.filter((k) => k !== key), key];
        if (order.length > capacity) order.shift();
      } else if (op < 9) {
        const hit = cache.get(key) !== undefined;
        expect(hit).toBe(order.includes(key));
        if (hit) order = [...order.filter((k) => k !== key), key];
      } else {
        cache.delete(key);
        order = order.filter((k) => k !== key);
      }
      expect(cache.size).toBe(order.length);
    }
    for (const key of order) expect(cache.get(key)).not.toBeUndefined();
  });
});
