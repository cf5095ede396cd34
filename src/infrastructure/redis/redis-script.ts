import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-connection';

type Names = readonly string[];

/** A Lua script with named KEYS and ARGV (see defineScript). */
export interface RedisScript<K extends Names = Names, A extends Names = Names> {
  readonly name: string;
  /** KEYS in positional order. */
  readonly keys: K;
  /** ARGV in positional order. */
  readonly args: A;
  /** The source sent to Redis: the prelude naming KEYS and ARGV, then the body. */
  readonly lua: string;
  /** SHA-1 of `lua`, what EVALSHA calls it by. */
  readonly sha: string;
}

export type ScriptValue = string | number;

/** One call's keys and args, by name: TypeScript requires every declared name, and no other. */
export interface ScriptCall<K extends Names, A extends Names> {
  keys: Record<K[number], string>;
  args: Record<A[number], ScriptValue>;
}

const LUA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LUA_RESERVED = new Set(
  'and break do else elseif end false for function goto if in local nil not or repeat return then true until while'.split(' '),
);

function checkNames(script: string, what: string, names: Names): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (!LUA_NAME.test(name) || LUA_RESERVED.has(name)) throw new Error(`Script ${script}: ${what} name "${name}" is not a Lua name`);
    if (seen.has(name)) throw new Error(`Script ${script}: ${what} "${name}" is declared twice`);
    seen.add(name);
  }
}

function table(variable: string, source: string, names: Names): string {
  return `local ${variable} = { ${names.map((name, i) => `${name} = ${source}[${i + 1}]`).join(', ')} }`;
}

/**
 * A key passed as '' means "none" to the script. Redis Cluster refuses a script whose keys hash to different slots,
 * and '' has a slot of its own, so the call sends another key of the script in its place and, as the last ARGV, one
 * flag per key ('1' for none); this prelude line gives such a key back its ''.
 */
const LUA_ABSENT_KEYS = `for i, name in ipairs(KEY_NAMES) do if string.sub(ARGV[#ARGV], i, i) == '1' then K[name] = '' end end`;

/**
 * A Lua script whose body reads its keys and arguments by name: `K.mbox`, `A.entry`. The helper prepends
 * `local K = { mbox = KEYS[1], … }` and `local A = { entry = ARGV[1], … }`, in the order of `keys` and `args`,
 * so the positions live in one place and every call passes names (checked by TypeScript, see ScriptCall).
 * The SHA is computed once, here. Shared Lua functions are composed into `lua` by the module that owns them.
 */
export function defineScript<const K extends Names, const A extends Names>(spec: {
  name: string;
  keys: K;
  args: A;
  lua: string;
}): RedisScript<K, A> {
  checkNames(spec.name, 'key', spec.keys);
  checkNames(spec.name, 'arg', spec.args);
  const lua = [
    `-- ${spec.name}`,
    table('K', 'KEYS', spec.keys),
    `local KEY_NAMES = { ${spec.keys.map((name) => `'${name}'`).join(', ')} }`,
    LUA_ABSENT_KEYS,
    table('A', 'ARGV', spec.args),
    spec.lua,
  ].join('\n');
  return { name: spec.name, keys: spec.keys, args: spec.args, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

/**
 * Runs a script by its SHA (EVALSHA). When Redis does not know it yet (first call, a restart, SCRIPT FLUSH) it
 * answers NOSCRIPT and the script is sent once with EVAL, which also caches it in Redis for the next calls.
 */
export async function runScript<K extends Names, A extends Names>(
  client: RedisClient,
  script: RedisScript<K, A>,
  call: ScriptCall<K, A>,
): Promise<unknown> {
  const keys = call.keys as Record<string, string | undefined>;
  const args = call.args as Record<string, ScriptValue | undefined>;
  const keyValues = script.keys.map((name) => present(script, 'key', name, keys[name]));
  const stand = keyValues.find((key) => key !== '') ?? '';
  const argv: ScriptValue[] = keyValues.map((key) => key || stand);
  for (const name of script.args) argv.push(present(script, 'arg', name, args[name]));
  argv.push(keyValues.map((key) => (key === '' ? '1' : '0')).join(''));
  try {
    return await client.evalsha(script.sha, script.keys.length, ...argv);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return client.eval(script.lua, script.keys.length, ...argv);
  }
}

function present<V>(script: RedisScript, what: string, name: string, value: V | undefined): V {
  if (value === undefined || value === null) throw new Error(`Script ${script.name}: no ${what} "${name}" given`);
  return value;
}
