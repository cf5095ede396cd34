import { AppConfig } from '../src/config/app-config';
import { FleetLeaseOptions, FleetLeases } from '../src/infrastructure/redis/fleet-lease';
import { RedisService } from '../src/infrastructure/redis/redis.service';
import { deleteKeysWithPrefix } from './support/redis-cleanup';
import { testEnvironment } from './support/test-app';
import { eventually } from './support/wait-for-jobs';

/** FleetLeases against real Redis: several "processes" (instances, each with its own connection) on one prefix. */
describe('FleetLeases (real Redis)', () => {
  const env = testEnvironment();
  const config = AppConfig.fromEnvironment(env);
  const opened: { redis: RedisService; leases: FleetLeases }[] = [];

  async function process(options: FleetLeaseOptions): Promise<{ redis: RedisService; leases: FleetLeases }> {
    const redis = new RedisService(config);
    await redis.onModuleInit();
    const p = { redis, leases: new FleetLeases(redis, options) };
    opened.push(p);
    return p;
  }

  afterEach(async () => {
    for (const p of opened.splice(0)) {
      await p.leases.beforeApplicationShutdown();
      await p.redis.onApplicationShutdown();
    }
  });

  afterAll(() => deleteKeysWithPrefix(config.redisPrefix));

  const fast = { ttlMs: 600, tickMs: 150 };

  it('one holder at a time; it keeps the lease past its TTL by renewing, and the others see it', async () => {
    const [a, b] = [await process(fast), await process(fast)];
    const leaseA = a.leases.compete('acquire-renew');
    await eventually(() => expect(leaseA.held).toBe(true));
    const leaseB = b.leases.compete('acquire-renew');
    await leaseB.refresh();
    expect(leaseB.held).toBe(false);
    await new Promise((r) => setTimeout(r, 3 * fast.ttlMs));
    expect(leaseA.held).toBe(true);
    expect(leaseB.held).toBe(false);
    expect(await b.leases.holder('acquire-renew')).toEqual({ holder: a.leases.holderId, token: leaseA.token });
  });

  it('a holder that stops renewing loses it to another with a larger token, and its own renewal is refused', async () => {
    // `paused` never ticks (a process stuck in a long pause): only an explicit confirm() renews it.
    const paused = await process({ ttlMs: 600, tickMs: 3_600_000 });
    const lost: string[] = [];
    const stale = paused.leases.compete('takeover', { lost: (reason) => lost.push(reason) });
    await eventually(() => expect(stale.held).toBe(true));
    const firstToken = stale.token!;

    const live = await process(fast);
    const acquired: number[] = [];
    const fresh = live.leases.compete('takeover', { acquired: (token) => void acquired.push(token) });
    await eventually(() => expect(fresh.held).toBe(true), { timeoutMs: 5000 });
    expect(acquired).toEqual([fresh.token]);
    expect(fresh.token!).toBeGreaterThan(firstToken);

    // The fencing check: the stale holder's token is no longer the current one.
    expect(await paused.leases.confirm('takeover')).toBe(false);
    expect(lost).toEqual(['superseded or expired']);
    expect(stale.held).toBe(false);
    expect((await live.leases.holder('takeover'))?.holder).toBe(live.leases.holderId);
  });

  it('a holder cut off from Redis stops holding by its own clock, and tells its lost handler', async () => {
    const cut = await process(fast);
    const lost: string[] = [];
    const lease = cut.leases.compete('cut-off', { lost: (reason) => lost.push(reason) });
    await eventually(() => expect(lease.held).toBe(true));
    cut.redis.client.disconnect();
    await eventually(() => expect(lost).toHaveLength(1), { timeoutMs: 3000 });
    expect(lost[0]).toMatch(/^cannot renew/);
    expect(lease.held).toBe(false);
    const other = await process(fast);
    const taken = other.leases.compete('cut-off');
    await eventually(() => expect(taken.held).toBe(true), { timeoutMs: 3000 });
  });

  it('shutdown releases at once: the next process takes the lease at its first look, with a larger token', async () => {
    // Ticks far apart: only the release (not an expiry) can let the second process in during this test.
    const slow = { ttlMs: 60_000, tickMs: 20_000 };
    const first = await process(slow);
    const lost: string[] = [];
    const held = first.leases.compete('release', { lost: (reason) => lost.push(reason) });
    await eventually(() => expect(held.held).toBe(true));
    const token = held.token!;
    const second = await process(slow);
    const waiting = second.leases.compete('release');
    expect(await waiting.refresh()).toBe(false);

    await first.leases.beforeApplicationShutdown();
    expect(lost).toEqual(['shutdown']);
    expect(await second.leases.holder('release')).toBeUndefined();
    expect(await waiting.refresh()).toBe(true);
    expect(waiting.token!).toBeGreaterThan(token);
    // A stopped instance competes no more.
    expect(await held.refresh()).toBe(false);
  });
});
