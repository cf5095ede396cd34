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

export const CHECK_AGENT_AVAILABILITY = 'checkAgentAvailability';
export const AVAILABILITY_CHILDREN = {
  available: 'checkAgentAvailabilityOnAvailable',
  unavailable: 'checkAgentAvailabilityOnUnavailable',
  error: 'checkAgentAvailabilityOnError',
} as const;
export const DEFAULT_AVAILABILITY_KEY = 'agentAvailability';

export interface CheckAgentAvailabilityConfig extends AdvancedConfig, StorageConfig {
  connection: ConnectorConnection;
  skills?: string[] | string;
  language?: string;
}

/** `GET …/availability` → `{ available, agentsAvailable?, estimatedWaitMs? }`. */
export interface Availability {
  available: boolean;
  agentsAvailable?: number;
  estimatedWaitMs?: number;
}

export const checkAgentAvailability = createNodeDescriptor({
  type: CHECK_AGENT_AVAILABILITY,
  defaultLabel: 'Check agent availability',
  summary: 'Asks the connector whether agents are available before handing over',
  tags: ['service', 'handover'],
  appearance: { color: NODE_COLOR },
  dependencies: { children: [AVAILABILITY_CHILDREN.available, AVAILABILITY_CHILDREN.unavailable, AVAILABILITY_CHILDREN.error] },
  tokens: [
    { label: 'Available Agents', type: 'input', script: `input.${DEFAULT_AVAILABILITY_KEY}.agentsAvailable` },
    { label: 'Estimated Wait (ms)', type: 'input', script: `input.${DEFAULT_AVAILABILITY_KEY}.estimatedWaitMs` },
  ],
  fields: [
    connectionField,
    { key: 'skills', label: 'Skills', type: 'chipInput', defaultValue: [], description: 'Only agents with these skills count.' },
    {
      key: 'language',
      label: 'Language',
      type: 'cognigyText',
      defaultValue: '',
      description: 'Only agents with this language skill count.',
    },
    ...storageFields(DEFAULT_AVAILABILITY_KEY, 'input'),
    ...advancedFields,
  ],
  sections: [
    { key: 'storage', label: 'Storage Options', defaultCollapsed: true, fields: ['storeLocation', 'inputKey', 'contextKey'] },
    advancedSection,
  ],
  form: [
    { type: 'field', key: 'connection' },
    { type: 'field', key: 'skills' },
    { type: 'field', key: 'language' },
    { type: 'section', key: 'storage' },
    { type: 'section', key: 'advanced' },
  ],
  function: async ({ cognigy, config: rawConfig, childConfigs }: INodeFunctionBaseParams) => {
    const config = rawConfig as CheckAgentAvailabilityConfig;
    const { api } = cognigy;
    const { errorKey, timeoutMs } = advancedOf(config);
    await guarded(api, childConfigs, AVAILABILITY_CHILDREN.error, errorKey, CHECK_AGENT_AVAILABILITY, 'availability', async () => {
      const skills = (Array.isArray(config.skills) ? config.skills : typeof config.skills === 'string' ? config.skills.split(',') : [])
        .map((s) => (typeof s === 'string' ? s.trim() : ''))
        .filter(Boolean);
      const language = typeof config.language === 'string' && config.language.trim() ? config.language.trim() : undefined;
      const result = await callConnector<Availability>(config.connection, 'GET', ['availability'], {
        query: { skills: skills.length > 0 ? skills.join(',') : undefined, language },
        timeoutMs,
      });
      if (!result.ok || typeof result.body?.available !== 'boolean') {
        const message = result.ok ? 'the connector\'s answer has no "available"' : result.message;
        failBranch(api, childConfigs, AVAILABILITY_CHILDREN.error, errorKey, {
          node: CHECK_AGENT_AVAILABILITY,
          operation: 'availability',
          code: result.ok ? 'bad_response' : result.code,
          message,
          ...(result.status ? { status: result.status } : {}),
        });
        return;
      }
      const { available, agentsAvailable, estimatedWaitMs } = result.body;
      const stored: Availability = {
        available,
        ...(typeof agentsAvailable === 'number' ? { agentsAvailable } : {}),
        ...(typeof estimatedWaitMs === 'number' ? { estimatedWaitMs } : {}),
      };
      storeResult(api, config, DEFAULT_AVAILABILITY_KEY, stored);
      takeBranch(api, childConfigs, available ? AVAILABILITY_CHILDREN.available : AVAILABILITY_CHILDREN.unavailable);
    });
  },
});

export const checkAgentAvailabilityOnAvailable = childNode(CHECK_AGENT_AVAILABILITY, AVAILABILITY_CHILDREN.available, 'On Available', 'ok');
export const checkAgentAvailabilityOnUnavailable = childNode(
  CHECK_AGENT_AVAILABILITY,
  AVAILABILITY_CHILDREN.unavailable,
  'On Unavailable',
  'warn',
);
export const checkAgentAvailabilityOnError = childNode(CHECK_AGENT_AVAILABILITY, AVAILABILITY_CHILDREN.error, 'On Error', 'error');
