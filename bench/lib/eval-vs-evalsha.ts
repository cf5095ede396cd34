import Redis from 'ioredis';
import { performance } from 'node:perf_hooks';
import { LUA_PEEK } from '../../src/relay/mailbox.lua';

/**
 * Micro-benchmark behind a suggested connector change: the same mailbox script (LUA_PEEK, on keys that do not
 * exist: the script's own work is near zero) called with EVAL (the whole script text on every call, as
 * src/relay/session-mailbox.ts does) and with EVALSHA (ioredis defineCommand), `parallel` calls in flight.
 * and with EVAL on a client with `enableAutoPipelining` (commands issued in the same tick share one socket write).
 * Reports calls/s and the client's CPU µs per call.
 */
export async function evalVsEvalsha(redisUrl: string, calls = 20000, parallel = 64) {
  const client = new Redis(redisUrl) as Redis & { benchPeek(...args: (string | number)[]): Promise<unknown> };
  client.defineCommand('benchPeek', { numberOfKeys: 3, lua: LUA_PEEK });
  const keys = ['bench:owner', 'bench:mbox', 'bench:active', 'owner-1', 'bench:ref'] as const;
  const run = async (call: () => Promise<unknown>) => {
    let next = 0;
    const cpu = process.cpuUsage();
    const began = performance.now();
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next++ < calls) await call();
      }),
    );
    const ms = performance.now() - began;
    const used = process.cpuUsage(cpu);
    return { perS: (calls / ms) * 1000, cpuUsPerCall: (used.user + used.system) / calls };
  };
  const viaEval = () => client.eval(LUA_PEEK, 3, ...keys);
  const viaSha = () => client.benchPeek(...keys);
  await run(viaEval);
  await run(viaSha); // warm-up both
  const evalResult = await run(viaEval);
  const shaResult = await run(viaSha);
  const pipelined = new Redis(redisUrl, { enableAutoPipelining: true });
  const viaPipelined = () => pipelined.eval(LUA_PEEK, 3, ...keys);
  await run(viaPipelined);
  const pipelinedResult = await run(viaPipelined);
  client.disconnect();
  pipelined.disconnect();
  return { scriptBytes: Buffer.byteLength(LUA_PEEK), eval: evalResult, evalsha: shaResult, autoPipelined: pipelinedResult };
}
