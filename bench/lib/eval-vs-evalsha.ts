import Redis from 'ioredis';
import { performance } from 'node:perf_hooks';
import { coalesceWrites } from '../../src/infrastructure/redis/redis-connection';
import { runScript } from '../../src/infrastructure/redis/redis-script';
import { MAILBOX_PEEK } from '../../src/relay/mailbox.scripts';

/**
 * Micro-benchmark behind a connector change: the same mailbox script (MAILBOX_PEEK, on keys that do not exist:
 * the script's own work is near zero) called with EVAL (the whole script text on every call, as the connector
 * did before redis-script.ts) and with EVALSHA (runScript, as the connector does now), `parallel` calls in
 * flight; with EVAL on a client with `enableAutoPipelining` (commands issued in the same tick share one
 * socket write, through ioredis's pipeline objects); and with EVALSHA on a client whose socket is corked per
 * event-loop turn (coalesceWrites, as the connector's clients). Reports calls/s and the client's CPU µs per call.
 */
export async function evalVsEvalsha(redisUrl: string, calls = 20000, parallel = 64) {
  const client = new Redis(redisUrl);
  const peek = { keys: { owner: 'bench:owner', mbox: 'bench:mbox', active: 'bench:active' }, args: { me: 'owner-1', ref: 'bench:ref' } };
  const positional = [...MAILBOX_PEEK.keys.map((name) => peek.keys[name]), ...MAILBOX_PEEK.args.map((name) => peek.args[name])];
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
  const viaEval = () => client.eval(MAILBOX_PEEK.lua, MAILBOX_PEEK.keys.length, ...positional);
  const viaSha = () => runScript(client, MAILBOX_PEEK, peek);
  await run(viaEval);
  await run(viaSha); // warm-up both
  const evalResult = await run(viaEval);
  const shaResult = await run(viaSha);
  const pipelined = new Redis(redisUrl, { enableAutoPipelining: true });
  const viaPipelined = () => pipelined.eval(MAILBOX_PEEK.lua, MAILBOX_PEEK.keys.length, ...positional);
  await run(viaPipelined);
  const pipelinedResult = await run(viaPipelined);
  const coalesced = coalesceWrites(new Redis(redisUrl));
  const viaCoalesced = () => runScript(coalesced, MAILBOX_PEEK, peek);
  await run(viaCoalesced);
  const coalescedResult = await run(viaCoalesced);
  client.disconnect();
  pipelined.disconnect();
  coalesced.disconnect();
  return {
    scriptBytes: Buffer.byteLength(MAILBOX_PEEK.lua),
    eval: evalResult,
    evalsha: shaResult,
    autoPipelined: pipelinedResult,
    coalesced: coalescedResult,
  };
}
