import { createNodeDescriptor, INodeFunctionBaseParams } from '@cognigy/extension-tools';
import { callConnector, ConnectorConnection } from '../lib/connector-client';
import {
  advancedFields,
  advancedOf,
  advancedSection,
  AdvancedConfig,
  childNode,
  connectionField,
  failBranch,
  guarded,
  NODE_COLOR,
  StorageConfig,
  storageFields,
  storeResult,
  takeBranch,
} from '../lib/descriptors';
import { ConnectorHandoverState, endedState, HandoverState, readState, writeState } from '../lib/state';

export const GET_HANDOVER_STATUS = 'getHandoverStatus';
export const STATUS_CHILDREN = {
  live: 'getHandoverStatusOnLive',
  noHandover: 'getHandoverStatusOnNoHandover',
  error: 'getHandoverStatusOnError',
} as const;
export const DEFAULT_STATUS_KEY = 'handoverStatus';

export interface GetHandoverStatusConfig extends AdvancedConfig, StorageConfig {
  connection: ConnectorConnection;
}

/** `GET …/sessions/:sessionId`. */
export interface SessionView {
  sessionId: string;
  userId?: string;
  handover: {
    id: string;
    state: ConnectorHandoverState;
    reason?: string;
    conversationId?: string;
    agent?: { name?: string };
    createdAt?: string;
    queuedAt?: string;
    activeAt?: string;
    endedAt?: string;
  } | null;
}

const LIVE_STATES = new Set(['requested', 'queued', 'active']);

/** The Flow's state brought in line with what the connector says (keeping the Flow's own settings). */
function syncedState(known: HandoverState | undefined, view: SessionView, sessionId: string): HandoverState | undefined {
  const handover = view.handover;
  if (handover && LIVE_STATES.has(handover.state)) {
    const same = known?.handoverId === handover.id;
    const { reason: _reason, ...base } = known ?? { seenEventIds: [], updatedAt: '' };
    return {
      ...base,
      sessionId: known?.sessionId ?? sessionId,
      handoverId: handover.id,
      state: handover.state,
      live: true,
      ...(handover.agent ? { agent: handover.agent } : {}),
      seenEventIds: same ? (known?.seenEventIds ?? []) : [],
    };
  }
  if (known?.live) return endedState(known, handover?.reason ?? known.reason);
  return undefined;
}

export const getHandoverStatus = createNodeDescriptor({
  type: GET_HANDOVER_STATUS,
  defaultLabel: 'Get handover status',
  summary: "Reads the session's handover from the connector (state, reason, agent)",
  tags: ['service', 'handover'],
  appearance: { color: NODE_COLOR },
  dependencies: { children: [STATUS_CHILDREN.live, STATUS_CHILDREN.noHandover, STATUS_CHILDREN.error] },
  tokens: [
    { label: 'Handover State', type: 'input', script: `input.${DEFAULT_STATUS_KEY}.handover.state` },
    { label: 'Handover End Reason', type: 'input', script: `input.${DEFAULT_STATUS_KEY}.handover.reason` },
  ],
  fields: [connectionField, ...storageFields(DEFAULT_STATUS_KEY, 'input'), ...advancedFields],
  sections: [
    { key: 'storage', label: 'Storage Options', defaultCollapsed: true, fields: ['storeLocation', 'inputKey', 'contextKey'] },
    advancedSection,
  ],
  form: [
    { type: 'field', key: 'connection' },
    { type: 'section', key: 'storage' },
    { type: 'section', key: 'advanced' },
  ],
  function: async ({ cognigy, config: rawConfig, childConfigs }: INodeFunctionBaseParams) => {
    const config = rawConfig as GetHandoverStatusConfig;
    const { api, input, context } = cognigy;
    const { stateKey, errorKey, timeoutMs } = advancedOf(config);
    await guarded(api, childConfigs, STATUS_CHILDREN.error, errorKey, GET_HANDOVER_STATUS, 'status', async () => {
      const known = readState(context, stateKey);
      const sessionId = known?.sessionId ?? (typeof input.sessionId === 'string' ? input.sessionId : '');
      if (!sessionId) {
        failBranch(api, childConfigs, STATUS_CHILDREN.error, errorKey, {
          node: GET_HANDOVER_STATUS,
          operation: 'status',
          code: 'config',
          message: 'the input has no sessionId',
        });
        return;
      }
      const result = await callConnector<SessionView>(config.connection, 'GET', ['sessions', sessionId], { timeoutMs });
      let view: SessionView;
      if (result.ok && result.body && typeof result.body === 'object' && 'handover' in result.body) view = result.body;
      else if (!result.ok && result.code === 'http' && result.status === 404) view = { sessionId, handover: null };
      else {
        failBranch(api, childConfigs, STATUS_CHILDREN.error, errorKey, {
          node: GET_HANDOVER_STATUS,
          operation: 'status',
          code: result.ok ? 'bad_response' : result.code,
          message: result.ok ? 'the connector\'s answer has no "handover"' : result.message,
          ...(result.status ? { status: result.status } : {}),
        });
        return;
      }
      storeResult(api, config, DEFAULT_STATUS_KEY, view);
      const synced = syncedState(known, view, sessionId);
      if (synced) writeState(api, stateKey, synced);
      takeBranch(api, childConfigs, synced?.live ? STATUS_CHILDREN.live : STATUS_CHILDREN.noHandover);
    });
  },
});

export const getHandoverStatusOnLive = childNode(GET_HANDOVER_STATUS, STATUS_CHILDREN.live, 'Handover Live', 'ok');
export const getHandoverStatusOnNoHandover = childNode(GET_HANDOVER_STATUS, STATUS_CHILDREN.noHandover, 'No Live Handover', 'neutral');
export const getHandoverStatusOnError = childNode(GET_HANDOVER_STATUS, STATUS_CHILDREN.error, 'On Error', 'error');
