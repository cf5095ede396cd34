import type { INodeDescriptor, INodeFunctionBaseParams } from '@cognigy/extension-tools';
import type { FlowContext, FlowInput, FlowProfile } from '../../src/lib/state';

/** Cognigy's limits per extension run: 10 `api.*` calls (not counting `api.log`), 62 KB per argument. */
export const API_CALL_LIMIT = 10;
export const ARGUMENT_LIMIT_BYTES = 62 * 1024;

export interface ApiCall {
  name: string;
  args: unknown[];
}

/**
 * A stand-in for the `cognigy` object a node function gets: `api.*` calls are recorded (and counted, `log`
 * apart), `addToContext`/`addToInput` change `context`/`input` as Cognigy does, so consecutive runs see them.
 */
export function fakeCognigy(options: { input?: FlowInput; context?: FlowContext; profile?: FlowProfile } = {}) {
  const input: FlowInput = {
    sessionId: 's-1',
    userId: 'u-1',
    inputId: 'in-1',
    text: '',
    data: {},
    URLToken: 'url-token-1',
    ...options.input,
  };
  const context: FlowContext = { ...options.context };
  const profile: FlowProfile = { ...options.profile };
  const calls: ApiCall[] = [];
  const oversized: ApiCall[] = [];
  const record = (name: string, args: unknown[]) => {
    const call = { name, args };
    calls.push(call);
    if (args.some((a) => a !== undefined && Buffer.byteLength(JSON.stringify(a) ?? '') > ARGUMENT_LIMIT_BYTES)) oversized.push(call);
  };
  const api = {
    say: (text: string, data?: unknown) => record('say', [text, data]),
    output: (text: string, data?: unknown) => record('output', [text, data]),
    addToContext: (key: string, value: unknown, mode: string) => {
      record('addToContext', [key, value, mode]);
      context[key] = mode === 'array' ? [...(Array.isArray(context[key]) ? context[key] : []), value] : value;
    },
    addToInput: (key: string, value: unknown) => {
      record('addToInput', [key, value]);
      input[key] = value;
    },
    setNextNode: (nodeId: string) => record('setNextNode', [nodeId]),
    stopExecution: () => record('stopExecution', []),
    log: (level: string, text: string) => calls.push({ name: 'log', args: [level, text] }),
  };
  return {
    cognigy: { api, input, context, profile },
    input,
    context,
    calls,
    oversized,
    /** `api.*` calls Cognigy counts against its limit of 10. */
    budgetUsed: () => calls.filter((c) => c.name !== 'log').length,
    callsOf: (name: string) => calls.filter((c) => c.name === name),
    nextNodes: () => calls.filter((c) => c.name === 'setNextNode').map((c) => c.args[0] as string),
    said: () => calls.filter((c) => c.name === 'say' || c.name === 'output').map((c) => ({ text: c.args[0] as string, data: c.args[1] })),
    resetCalls: () => {
      calls.length = 0;
      oversized.length = 0;
    },
  };
}

export type FakeCognigy = ReturnType<typeof fakeCognigy>;

/** The child configs Cognigy passes to a node: one per child type of its descriptor, id `child:<type>`. */
export function childConfigsOf(descriptor: INodeDescriptor) {
  return (descriptor.dependencies?.children ?? []).map((type) => ({ id: `child:${type}`, type, config: {} }));
}

/** Runs a node's function as Cognigy would: with the fake `cognigy`, a config and its child configs. */
export async function runNode(descriptor: INodeDescriptor, fake: FakeCognigy, config: Record<string, unknown>): Promise<void> {
  if (!descriptor.function) throw new Error(`${descriptor.type} has no function`);
  await descriptor.function({
    cognigy: fake.cognigy as unknown as INodeFunctionBaseParams['cognigy'],
    config,
    childConfigs: childConfigsOf(descriptor),
    nodeId: `node:${descriptor.type}`,
  });
}
