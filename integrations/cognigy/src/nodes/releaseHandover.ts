import { createNodeDescriptor, INodeFunctionBaseParams } from '@cognigy/extension-tools';
import { callConnector, ConnectorConnection } from '../lib/connector-client';
import {
  advancedFields,
  advancedOf,
  advancedSection,
  AdvancedConfig,
  childNode,
  connectionField,
  errorText,
  failBranch,
  guarded,
  NODE_COLOR,
  safeLog,
  takeBranch,
} from '../lib/descriptors';
import type { HandoverStatusInput } from '../lib/events';
import { endedState, FlowApi, readState, writeState } from '../lib/state';

export const RELEASE_HANDOVER = 'releaseHandover';
export const RELEASE_CHILDREN = {
  released: 'releaseHandoverOnReleased',
  noHandover: 'releaseHandoverOnNoHandover',
  error: 'releaseHandoverOnError',
} as const;

export interface ReleaseHandoverConfig extends AdvancedConfig {
  connection: ConnectorConnection;
  text?: string;
}

export const releaseHandover = createNodeDescriptor({
  type: RELEASE_HANDOVER,
  defaultLabel: 'Release handover',
  summary: "Ends the live handover (bot_released): the agent's conversation is closed and the bot takes over",
  tags: ['service', 'handover'],
  appearance: { color: NODE_COLOR },
  preview: { key: 'text', type: 'text' },
  dependencies: { children: [RELEASE_CHILDREN.released, RELEASE_CHILDREN.noHandover, RELEASE_CHILDREN.error] },
  fields: [
    connectionField,
    {
      key: 'text',
      label: 'Released message',
      type: 'cognigyText',
      defaultValue: '',
      description: 'Said to the user when the handover was released; leave empty to say nothing.',
    },
    ...advancedFields,
  ],
  sections: [advancedSection],
  form: [
    { type: 'field', key: 'connection' },
    { type: 'field', key: 'text' },
    { type: 'section', key: 'advanced' },
  ],
  function: async ({ cognigy, config: rawConfig, childConfigs }: INodeFunctionBaseParams) => {
    const config = rawConfig as ReleaseHandoverConfig;
    const { input, context } = cognigy;
    const api: FlowApi = cognigy.api;
    const { stateKey, errorKey, timeoutMs } = advancedOf(config);
    await guarded(api, childConfigs, RELEASE_CHILDREN.error, errorKey, RELEASE_HANDOVER, 'release', async () => {
      const state = readState(context, stateKey);
      const sessionId = state?.sessionId ?? (typeof input.sessionId === 'string' ? input.sessionId : '');
      if (!sessionId) {
        failBranch(api, childConfigs, RELEASE_CHILDREN.error, errorKey, {
          node: RELEASE_HANDOVER,
          operation: 'release',
          code: 'config',
          message: 'the input has no sessionId',
        });
        return;
      }
      const result = await callConnector(config.connection, 'POST', ['sessions', sessionId, 'release'], { timeoutMs });
      const gone = !result.ok && result.code === 'http' && (result.status === 409 || result.status === 404);
      if (!result.ok && !gone) {
        failBranch(api, childConfigs, RELEASE_CHILDREN.error, errorKey, {
          node: RELEASE_HANDOVER,
          operation: 'release',
          code: result.code,
          message: result.message,
          ...(result.status ? { status: result.status } : {}),
        });
        return;
      }
      // The connector's handover.ended (bot_released) that follows is then recognised by the Router as already handled.
      if (result.ok) {
        writeState(
          api,
          stateKey,
          endedState(state ?? { sessionId, state: 'requested', live: true, seenEventIds: [], updatedAt: '' }, 'bot_released'),
        );
        const handover: HandoverStatusInput = {
          status: 'cancelled',
          data: { type: 'handover.ended', reason: 'bot_released', ...(state?.handoverId ? { handoverId: state.handoverId } : {}) },
        };
        api.addToInput?.('handover', handover);
      } else if (state?.live) {
        writeState(api, stateKey, endedState(state, state.reason));
      }
      takeBranch(api, childConfigs, result.ok ? RELEASE_CHILDREN.released : RELEASE_CHILDREN.noHandover);
      const text = typeof config.text === 'string' ? config.text.trim() : '';
      if (result.ok && text) {
        try {
          api.say?.(text);
        } catch (err) {
          safeLog(api, `handover-connector ${RELEASE_HANDOVER}: could not say the released message: ${errorText(err)}`);
        }
      }
    });
  },
});

export const releaseHandoverOnReleased = childNode(RELEASE_HANDOVER, RELEASE_CHILDREN.released, 'On Released', 'ok');
export const releaseHandoverOnNoHandover = childNode(RELEASE_HANDOVER, RELEASE_CHILDREN.noHandover, 'No Live Handover', 'warn');
export const releaseHandoverOnError = childNode(RELEASE_HANDOVER, RELEASE_CHILDREN.error, 'On Error', 'error');
