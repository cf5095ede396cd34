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
import { FlowApi, FlowContext, FlowInput, FlowProfile, readState, writeState } from '../lib/state';
import { DEFAULT_TRANSCRIPT_LIMIT, mapTranscript, MAX_TRANSCRIPT_ENTRIES, valueAt } from '../lib/transcript';

export const HANDOVER_TO_AGENT = 'handoverToAgent';
export const HANDOVER_CHILDREN = {
  requested: 'handoverToAgentOnRequested',
  alreadyInProgress: 'handoverToAgentOnAlreadyInProgress',
  error: 'handoverToAgentOnError',
} as const;

export interface HandoverToAgentConfig extends AdvancedConfig {
  connection: ConnectorConnection;
  /** Handover Accepted Message (as on Cognigy's Handover to Agent node). */
  text?: string;
  repeatHandoverMessage?: boolean;
  cancelIntent?: string;
  /** Cancel Button Text: a quick reply under the accepted message. */
  quickReply?: string;
  language?: string;
  skills?: string[] | string;
  priority?: string | number;
  customAttributes?: Record<string, unknown> | string;
  sendTranscript?: boolean;
  transcriptLocation?: 'input' | 'context';
  transcriptKey?: string;
  transcriptLimit?: number;
  firstMessage?: string;
  sendProfile?: boolean;
  sendUrlToken?: boolean;
}

interface HandoverAccepted {
  sessionId?: string;
  handoverId?: string;
  state?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function trimmed(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function skillsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return [...new Set(list.map((s) => (typeof s === 'string' ? s.trim() : '')).filter(Boolean))];
}

/** Custom attributes as the connector takes them: an object of strings (numbers and booleans written as text). */
function attributesOf(value: unknown): Record<string, string> | string {
  let raw = value;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return {};
    try {
      raw = JSON.parse(raw);
    } catch {
      return 'Custom attributes must be a JSON object';
    }
  }
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) return 'Custom attributes must be a JSON object';
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

function userOf(profile: FlowProfile | undefined): Record<string, string> | undefined {
  if (!profile) return undefined;
  const cut = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, 128) : undefined);
  const firstName = cut(profile.firstname);
  const lastName = cut(profile.lastname);
  const email = cut(profile.email);
  const user = {
    ...(firstName ? { nickname: firstName, firstName } : {}),
    ...(lastName ? { lastName } : {}),
    ...(email && EMAIL.test(email) ? { email } : {}),
  };
  return Object.keys(user).length > 0 ? user : undefined;
}

/** The accepted message, with the cancel button as a Cognigy quick reply when one is set. */
export function sayWithCancelButton(api: FlowApi, text: string | undefined, cancelText: string | undefined): void {
  if (!text) return;
  if (!cancelText) {
    api.say?.(text);
    return;
  }
  api.say?.(text, {
    _cognigy: {
      _default: {
        _quickReplies: {
          type: 'quick_replies',
          text,
          quickReplies: [{ contentType: 'postback', title: cancelText, payload: cancelText }],
        },
      },
    },
  });
}

/** The `POST /handovers` body from the node's settings and the session, or a configuration problem. */
export function handoverBody(
  config: HandoverToAgentConfig,
  input: FlowInput,
  context: FlowContext,
  profile: FlowProfile | undefined,
): Record<string, unknown> | string {
  const sessionId = trimmed(input.sessionId);
  const userId = trimmed(input.userId);
  if (!sessionId || !userId) return 'the input has no sessionId or userId';
  const language = trimmed(config.language);
  const skills = skillsOf(config.skills);
  const priorityText = trimmed(config.priority);
  let priority: number | undefined;
  if (priorityText !== undefined) {
    priority = Number(priorityText);
    if (!Number.isInteger(priority)) return `Priority must be a whole number, not "${priorityText}"`;
  }
  const customAttributes = attributesOf(config.customAttributes);
  if (typeof customAttributes === 'string') return customAttributes;
  const sendTranscript = config.sendTranscript !== false;
  const transcriptSource = config.transcriptLocation === 'context' ? context : input;
  const transcript = sendTranscript
    ? mapTranscript(
        valueAt(transcriptSource, trimmed(config.transcriptKey) ?? 'transcript'),
        Number(config.transcriptLimit ?? DEFAULT_TRANSCRIPT_LIMIT),
      )
    : [];
  const text = trimmed(config.firstMessage);
  const user = config.sendProfile === false ? undefined : userOf(profile);
  const urlToken = config.sendUrlToken === false ? undefined : trimmed(input.URLToken);
  return {
    sessionId,
    userId,
    ...(user ? { user } : {}),
    ...(language ? { language } : {}),
    ...(skills.length > 0 ? { skills } : {}),
    ...(priority !== undefined ? { priority } : {}),
    ...(Object.keys(customAttributes).length > 0 ? { customAttributes } : {}),
    ...(transcript.length > 0 ? { transcript } : {}),
    ...(text ? { text } : {}),
    ...(urlToken ? { cognigy: { urlToken } } : {}),
  };
}

export const handoverToAgent = createNodeDescriptor({
  type: HANDOVER_TO_AGENT,
  defaultLabel: 'Hand over to agent',
  summary: 'Hands the conversation over to a contact-center agent through the handover connector',
  tags: ['service', 'handover'],
  appearance: { color: NODE_COLOR },
  preview: { key: 'text', type: 'text' },
  dependencies: { children: [HANDOVER_CHILDREN.requested, HANDOVER_CHILDREN.alreadyInProgress, HANDOVER_CHILDREN.error] },
  fields: [
    connectionField,
    {
      key: 'text',
      label: 'Handover Accepted Message',
      type: 'cognigyText',
      defaultValue: 'I am connecting you with an agent. Please wait a moment.',
      description: 'Said to the user when the connector has accepted the handover; leave empty to say nothing.',
    },
    {
      key: 'repeatHandoverMessage',
      label: 'Repeat Handover Accepted Message',
      type: 'toggle',
      defaultValue: false,
      description: 'Say the accepted message again when the user writes while still waiting for an agent (with the Handover router).',
    },
    {
      key: 'cancelIntent',
      label: 'Cancel Intent',
      type: 'cognigyText',
      defaultValue: '',
      description: 'The intent that releases the handover (with the Handover router).',
    },
    {
      key: 'quickReply',
      label: 'Cancel Button Text',
      type: 'cognigyText',
      defaultValue: '',
      description: 'A quick reply under the accepted message; choosing it (or writing exactly this text) releases the handover.',
    },
    {
      key: 'language',
      label: 'Language',
      type: 'cognigyText',
      defaultValue: '',
      description: "For example english; empty: the endpoint's default.",
    },
    {
      key: 'skills',
      label: 'Skills',
      type: 'chipInput',
      defaultValue: [],
      description: "For example escalation; empty: the endpoint's default.",
    },
    {
      key: 'priority',
      label: 'Priority',
      type: 'cognigyText',
      defaultValue: '',
      description: "A whole number, for example 1; empty: the endpoint's default.",
    },
    {
      key: 'customAttributes',
      label: 'Custom Attributes',
      type: 'json',
      defaultValue: '{}',
      description: "Key: value pairs for the contact center (Genesys participant data); merged over the endpoint's defaults.",
    },
    {
      key: 'sendTranscript',
      label: 'Send the transcript',
      type: 'toggle',
      defaultValue: true,
      description: 'Put a Get Transcript node before this node.',
    },
    {
      key: 'transcriptLocation',
      label: 'Transcript is stored in',
      type: 'select',
      defaultValue: 'input',
      params: {
        options: [
          { label: 'Input', value: 'input' },
          { label: 'Context', value: 'context' },
        ],
      },
      condition: { key: 'sendTranscript', value: true },
    },
    {
      key: 'transcriptKey',
      label: 'Transcript key',
      type: 'cognigyText',
      defaultValue: 'transcript',
      description: "The Get Transcript node's Input Key or Context Key.",
      condition: { key: 'sendTranscript', value: true },
    },
    {
      key: 'transcriptLimit',
      label: 'Transcript entries',
      type: 'slider',
      defaultValue: DEFAULT_TRANSCRIPT_LIMIT,
      description: 'The last this many user, bot and agent turns.',
      params: { min: 1, max: MAX_TRANSCRIPT_ENTRIES, step: 1 },
      condition: { key: 'sendTranscript', value: true },
    },
    {
      key: 'firstMessage',
      label: 'First message to the agent',
      type: 'cognigyText',
      defaultValue: '',
      description: 'Sent to the agent after the transcript, for example {{input.text}}.',
    },
    {
      key: 'sendProfile',
      label: 'Send the contact profile',
      type: 'toggle',
      defaultValue: true,
      description: 'First name, last name and email of the Contact Profile.',
    },
    {
      key: 'sendUrlToken',
      label: 'Answer on this Endpoint',
      type: 'toggle',
      defaultValue: true,
      description: "Send this Endpoint's URL token, so the connector sends the agent's messages and events to the Endpoint the user is on.",
    },
    ...advancedFields,
  ],
  sections: [
    { key: 'cancel', label: 'Cancel Handover Options', defaultCollapsed: true, fields: ['cancelIntent', 'quickReply'] },
    { key: 'routing', label: 'Routing', defaultCollapsed: false, fields: ['language', 'skills', 'priority', 'customAttributes'] },
    {
      key: 'transcript',
      label: 'Transcript and first message',
      defaultCollapsed: true,
      fields: ['sendTranscript', 'transcriptLocation', 'transcriptKey', 'transcriptLimit', 'firstMessage'],
    },
    { key: 'options', label: 'User and Endpoint', defaultCollapsed: true, fields: ['sendProfile', 'sendUrlToken'] },
    advancedSection,
  ],
  form: [
    { type: 'field', key: 'connection' },
    { type: 'field', key: 'text' },
    { type: 'field', key: 'repeatHandoverMessage' },
    { type: 'section', key: 'cancel' },
    { type: 'section', key: 'routing' },
    { type: 'section', key: 'transcript' },
    { type: 'section', key: 'options' },
    { type: 'section', key: 'advanced' },
  ],
  function: async ({ cognigy, config: rawConfig, childConfigs }: INodeFunctionBaseParams) => {
    const config = rawConfig as HandoverToAgentConfig;
    const { api, input, context, profile } = cognigy;
    const { stateKey, errorKey, timeoutMs } = advancedOf(config);
    const fail = (code: string, message: string, status?: number) =>
      failBranch(api, childConfigs, HANDOVER_CHILDREN.error, errorKey, {
        node: HANDOVER_TO_AGENT,
        operation: 'handover',
        code,
        message,
        ...(status ? { status } : {}),
      });
    await guarded(api, childConfigs, HANDOVER_CHILDREN.error, errorKey, HANDOVER_TO_AGENT, 'handover', async () => {
      const body = handoverBody(config, input, context, profile);
      if (typeof body === 'string') return fail('config', body);
      const sessionId = body.sessionId as string;
      const result = await callConnector<HandoverAccepted>(config.connection, 'POST', ['handovers'], { body, timeoutMs });
      const acceptedMessage = trimmed(config.text);
      const cancelText = trimmed(config.quickReply);
      const cancelIntent = trimmed(config.cancelIntent);
      const settings = {
        ...(cancelIntent ? { cancelIntent } : {}),
        ...(cancelText ? { cancelText } : {}),
        ...(acceptedMessage ? { acceptedMessage } : {}),
        repeatAcceptedMessage: config.repeatHandoverMessage === true,
      };
      if (result.ok) {
        const handoverId = typeof result.body?.handoverId === 'string' ? result.body.handoverId : undefined;
        writeState(api, stateKey, {
          sessionId,
          ...(handoverId ? { handoverId } : {}),
          state: 'requested',
          live: true,
          ...settings,
          seenEventIds: [],
        });
        takeBranch(api, childConfigs, HANDOVER_CHILDREN.requested);
        // The handover is requested whatever happens to the message: a failure to say it is only logged.
        try {
          sayWithCancelButton(api, acceptedMessage, cancelText);
        } catch (err) {
          safeLog(api, `handover-connector ${HANDOVER_TO_AGENT}: could not say the accepted message: ${errorText(err)}`);
        }
        return;
      }
      if (result.code === 'http' && result.status === 409) {
        // A live handover exists: keep the Flow's state when it knows it, else take it for this session's, so the
        // Router forwards the user's input (where a 409, when it is another session's, clears it again).
        if (!readState(context, stateKey)?.live)
          writeState(api, stateKey, { sessionId, state: 'requested', live: true, ...settings, seenEventIds: [] });
        takeBranch(api, childConfigs, HANDOVER_CHILDREN.alreadyInProgress);
        return;
      }
      fail(result.code, result.message, result.status);
    });
  },
});

export const handoverToAgentOnRequested = childNode(HANDOVER_TO_AGENT, HANDOVER_CHILDREN.requested, 'On Requested', 'ok');
export const handoverToAgentOnAlreadyInProgress = childNode(
  HANDOVER_TO_AGENT,
  HANDOVER_CHILDREN.alreadyInProgress,
  'Already in Progress',
  'warn',
);
export const handoverToAgentOnError = childNode(HANDOVER_TO_AGENT, HANDOVER_CHILDREN.error, 'On Error', 'error');
