import { createNodeDescriptor, INodeDescriptor } from '@cognigy/extension-tools';
import type { INodeField, TNodeChildConfigs } from '@cognigy/extension-tools/build/interfaces/descriptor';
import { clampTimeout, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, MIN_TIMEOUT_MS } from './connector-client';
import { DEFAULT_CONTEXT_KEY, DEFAULT_ERROR_CONTEXT_KEY, FlowApi, key, StoredError, storeError } from './state';

export const CONNECTION_TYPE = 'handover-connector';
export const NODE_COLOR = '#2F6FB3';

const CHILD_COLORS = { ok: '#61d188', warn: '#f2a93b', error: '#e5534b', neutral: '#7f8c9a' } as const;

/**
 * A branch of a node: a mini child node that cannot be edited, deleted, created or moved (the pattern of
 * Cognigy's own extensions), chosen at run time with `api.setNextNode(child.id)`.
 */
export function childNode(parentType: string, type: string, label: string, tone: keyof typeof CHILD_COLORS): INodeDescriptor {
  return createNodeDescriptor({
    type,
    parentType,
    defaultLabel: { default: label },
    constraints: {
      editable: false,
      deletable: false,
      creatable: false,
      movable: false,
      placement: { predecessor: { whitelist: [] } },
    },
    appearance: { color: CHILD_COLORS[tone], textColor: 'white', variant: 'mini' },
  });
}

/**
 * Takes the branch of the given child type. Returns false (and logs) when the node has no such child, which
 * only happens with a Flow built against another version of this extension.
 */
export function takeBranch(api: FlowApi, childConfigs: TNodeChildConfigs[] | undefined, childType: string): boolean {
  const child = (childConfigs ?? []).find((c) => c.type === childType);
  if (!child) {
    api.log?.('error', `handover-connector: this node has no "${childType}" branch; re-create the node`);
    return false;
  }
  api.setNextNode?.(child.id);
  return true;
}

export const connectionField: INodeField = {
  key: 'connection',
  label: 'Handover connector',
  type: 'connection',
  description: "The connector's URL, the endpoint id and the endpoint's API key.",
  params: { connectionType: CONNECTION_TYPE, required: true },
};

/** The fields every node has in its collapsed "Advanced" section. */
export const advancedFields: INodeField[] = [
  {
    key: 'stateContextKey',
    label: 'Context key of the handover',
    type: 'cognigyText',
    defaultValue: DEFAULT_CONTEXT_KEY,
    description: "Where the session's handover is kept in the context; the same key on every node of this extension.",
  },
  {
    key: 'errorContextKey',
    label: 'Context key of the last error',
    type: 'cognigyText',
    defaultValue: DEFAULT_ERROR_CONTEXT_KEY,
    description: 'Where the error is stored before the node takes its error branch.',
  },
  {
    key: 'timeoutMs',
    label: 'Request timeout (ms)',
    type: 'number',
    defaultValue: DEFAULT_TIMEOUT_MS,
    description: `How long to wait for the connector (${MIN_TIMEOUT_MS}–${MAX_TIMEOUT_MS} ms); Cognigy stops an extension after 20 s.`,
    params: { min: MIN_TIMEOUT_MS, max: MAX_TIMEOUT_MS },
  },
];

export const advancedSection = {
  key: 'advanced',
  label: 'Advanced',
  defaultCollapsed: true,
  fields: advancedFields.map((f) => f.key),
};

/** Storage options as on Cognigy's own nodes: input or context, and the key. */
export function storageFields(defaultKey: string, defaultLocation: 'input' | 'context'): INodeField[] {
  return [
    {
      key: 'storeLocation',
      type: 'select',
      label: 'Where to store the result',
      defaultValue: defaultLocation,
      params: {
        options: [
          { label: 'Input', value: 'input' },
          { label: 'Context', value: 'context' },
        ],
        required: true,
      },
    },
    {
      key: 'inputKey',
      type: 'cognigyText',
      label: 'Input key to store the result',
      defaultValue: defaultKey,
      condition: { key: 'storeLocation', value: 'input' },
    },
    {
      key: 'contextKey',
      type: 'cognigyText',
      label: 'Context key to store the result',
      defaultValue: defaultKey,
      condition: { key: 'storeLocation', value: 'context' },
    },
  ];
}

/** The Advanced section's values of a node's config. */
export interface AdvancedConfig {
  stateContextKey?: string;
  errorContextKey?: string;
  timeoutMs?: number | string;
}

export function advancedOf(config: AdvancedConfig | undefined): { stateKey: string; errorKey: string; timeoutMs: number } {
  return {
    stateKey: key(config?.stateContextKey, DEFAULT_CONTEXT_KEY),
    errorKey: key(config?.errorContextKey, DEFAULT_ERROR_CONTEXT_KEY),
    timeoutMs: clampTimeout(config?.timeoutMs),
  };
}

export interface StorageConfig {
  storeLocation?: 'input' | 'context' | string;
  inputKey?: string;
  contextKey?: string;
}

/** Stores a node's result where its storage options say (one api call). */
export function storeResult(api: FlowApi, config: StorageConfig, defaultKey: string, value: unknown): void {
  if (config.storeLocation === 'context') api.addToContext?.(key(config.contextKey, defaultKey), value, 'simple');
  else api.addToInput?.(key(config.inputKey, defaultKey), value);
}

/**
 * The error branch: stores the error in the context, then takes the branch. Never throws, whatever the api does
 * (a node must not throw into the Flow).
 */
export function failBranch(
  api: FlowApi,
  childConfigs: TNodeChildConfigs[] | undefined,
  errorChild: string,
  errorKey: string,
  error: Omit<StoredError, 'time'>,
): void {
  try {
    storeError(api, errorKey, error);
  } catch (err) {
    safeLog(api, `handover-connector ${error.node}: could not store the error: ${errorText(err)}`);
  }
  try {
    takeBranch(api, childConfigs, errorChild);
  } catch (err) {
    safeLog(api, `handover-connector ${error.node}: could not take the error branch: ${errorText(err)}`);
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function safeLog(api: FlowApi, text: string, level = 'error'): void {
  try {
    api.log?.(level, text);
  } catch {
    // Nothing left to tell.
  }
}

/** Runs a node's body; anything it throws ends in the error branch instead of in the Flow. */
export async function guarded(
  api: FlowApi,
  childConfigs: TNodeChildConfigs[] | undefined,
  errorChild: string,
  errorKey: string,
  node: string,
  operation: string,
  run: () => Promise<void>,
): Promise<void> {
  try {
    await run();
  } catch (err) {
    failBranch(api, childConfigs, errorChild, errorKey, { node, operation, code: 'internal', message: errorText(err) });
  }
}
