import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { defineScript, runScript } from './redis-script';

/** Against the real Redis (REDIS_URL, default 127.0.0.1:6379); the scripts touch no keys. */
describe('defineScript / runScript', () => {
  let client: Redis;
  // A unique body, so that no other run has loaded this script into Redis yet.
  const echo = defineScript({
    name: 'test-echo',
    keys: ['first', 'second'] as const,
    args: ['x', 'y', 'z'] as const,
    lua: `-- ${randomUUID()}
return {K.first, K.second, A.x, A.y, A.z, KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]}`,
  });
  const call = { keys: { second: 'key-2', first: 'key-1' }, args: { z: 3, x: 'ex', y: 'why' } };

  beforeAll(() => {
    client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });

  afterAll(() => client.disconnect());

  afterEach(() => jest.restoreAllMocks());

  it('names KEYS and ARGV in the declared order, whatever the order of the call', async () => {
    expect(await runScript(client, echo, call)).toEqual(['key-1', 'key-2', 'ex', 'why', '3', 'key-1', 'key-2', 'ex', 'why', '3']);
    expect(echo.lua.split('\n')).toEqual(
      expect.arrayContaining([
        '-- test-echo',
        'local K = { first = KEYS[1], second = KEYS[2] }',
        'local A = { x = ARGV[1], y = ARGV[2], z = ARGV[3] }',
      ]),
    );
  });

  it("sends another key of the call in place of a '' key (one slot on a cluster), and the script still reads ''", async () => {
    const evalsha = jest.spyOn(client, 'evalsha');
    const reply = await runScript(client, echo, { ...call, keys: { first: '', second: 'key-2' } });
    expect(reply).toEqual(['', 'key-2', 'ex', 'why', '3', 'key-2', 'key-2', 'ex', 'why', '3']);
    expect(evalsha.mock.calls[0].slice(1, 4)).toEqual([2, 'key-2', 'key-2']);
  });

  it('calls by SHA once Redis knows the script, and sends the text only on NOSCRIPT', async () => {
    await runScript(client, echo, call);
    const evalsha = jest.spyOn(client, 'evalsha');
    const evalText = jest.spyOn(client, 'eval');
    await runScript(client, echo, call);
    expect(evalsha).toHaveBeenCalledTimes(1);
    expect(evalsha.mock.calls[0][0]).toBe(echo.sha);
    expect(evalText).not.toHaveBeenCalled();

    await client.script('FLUSH');
    expect(await runScript(client, echo, call)).toEqual(['key-1', 'key-2', 'ex', 'why', '3', 'key-1', 'key-2', 'ex', 'why', '3']);
    expect(evalsha).toHaveBeenCalledTimes(2);
    expect(evalText).toHaveBeenCalledTimes(1);
    expect(await client.script('EXISTS', echo.sha)).toEqual([1]);

    await runScript(client, echo, call);
    expect(evalsha).toHaveBeenCalledTimes(3);
    expect(evalText).toHaveBeenCalledTimes(1);
  });

  it('computes the SHA of the text it sends', async () => {
    expect(await client.script('LOAD', echo.lua)).toBe(echo.sha);
  });

  it('passes errors of the script itself through, without a second try', async () => {
    const failing = defineScript({ name: 'test-fail', keys: [], args: ['message'], lua: `return redis.error_reply(A.message)` });
    const evalText = jest.spyOn(client, 'eval');
    await runScript(client, failing, { keys: {}, args: { message: 'ERR told to' } }).catch(() => undefined);
    evalText.mockClear();
    await expect(runScript(client, failing, { keys: {}, args: { message: 'ERR told to' } })).rejects.toThrow('ERR told to');
    expect(evalText).not.toHaveBeenCalled();
  });

  it('requires every declared key and arg by name (a type error, and refused at run time)', async () => {
    // @ts-expect-error: arg `z` is missing
    await expect(runScript(client, echo, { keys: call.keys, args: { x: 'ex', y: 'why' } })).rejects.toThrow(
      'Script test-echo: no arg "z" given',
    );
    // @ts-expect-error: key `second` is missing
    await expect(runScript(client, echo, { keys: { first: 'key-1' }, args: call.args })).rejects.toThrow('no key "second"');
    // @ts-expect-error: `third` is not a key of the script
    await runScript(client, echo, { keys: { ...call.keys, third: 'key-3' }, args: call.args });
  });

  it('refuses names that are not Lua names, and names declared twice', () => {
    expect(() => defineScript({ name: 'bad', keys: ['end'], args: [], lua: '' })).toThrow('key name "end" is not a Lua name');
    expect(() => defineScript({ name: 'bad', keys: [], args: ['dedupe-key'], lua: '' })).toThrow('arg name "dedupe-key"');
    expect(() => defineScript({ name: 'bad', keys: ['a', 'a'], args: [], lua: '' })).toThrow('key "a" is declared twice');
  });
});
