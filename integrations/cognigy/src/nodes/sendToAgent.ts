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
  takeBranch,
} from '../lib/descriptors';
import { quickReplyOf, userMessageBody } from '../lib/messages';
import { endedState, readState, writeState } from '../lib/state';

export const SEND_TO_AGENT = 'sendToAgent';
export const SEND_CHILDREN = {
  sent: 'sendToAgentOnSent',
  noHandover: 'sendToAgentOnNoHandover',
  error: 'sendToAgentOnError',
} as const;

export interface SendToAgentConfig extends AdvancedConfig {
  connection: ConnectorConnection;
  text?: string;
  messageId?: string;
  includeAttachments?: boolean;
  quickReplyMessageId?: string;
  quickReplyPayload?: string;
  quickReplyText?: string;
}

export const sendToAgent = createNodeDescriptor({
  type: SEND_TO_AGENT,
  defaultLabel: 'Send to agent',
  summary: 'Sends a message to the agent of the live handover',
  tags: ['service', 'handover'],
  appearance: { color: NODE_COLOR },
  preview: { key: 'text', type: 'text' },
  dependencies: { children: [SEND_CHILDREN.sent, SEND_CHILDREN.noHandover, SEND_CHILDREN.error] },
  fields: [
    connectionField,
    {
      key: 'text',
      label: 'Text',
      type: 'cognigyText',
      defaultValue: '{{input.text}}',
      description: "What the agent gets (for example a translation of the user's input).",
    },
    {
      key: 'messageId',
      label: 'Message id',
      type: 'cognigyText',
      defaultValue: '{{input.inputId}}',
      description: 'The connector accepts a message id once, so a retried run does not send the message twice.',
    },
    { key: 'includeAttachments', label: "Send the user's attachments", type: 'toggle', defaultValue: true },
    {
      key: 'quickReplyMessageId',
      label: 'Quick reply: agent message id',
      type: 'cognigyText',
      defaultValue: '',
      description:
        "When the user picked a quick reply of an agent message: that message's data.messageId (default: input.data.quickReply).",
    },
    { key: 'quickReplyPayload', label: 'Quick reply: payload', type: 'cognigyText', defaultValue: '' },
    { key: 'quickReplyText', label: 'Quick reply: label', type: 'cognigyText', defaultValue: '' },
    ...advancedFields,
  ],
  sections: [
    {
      key: 'quickReply',
      label: 'Quick reply',
      defaultCollapsed: true,
      fields: ['quickReplyMessageId', 'quickReplyPayload', 'quickReplyText'],
    },
    advancedSection,
  ],
  form: [
    { type: 'field', key: 'connection' },
    { type: 'field', key: 'text' },
    { type: 'field', key: 'messageId' },
    { type: 'field', key: 'includeAttachments' },
    { type: 'section', key: 'quickReply' },
    { type: 'section', key: 'advanced' },
  ],
  function: async ({ cognigy, config: rawConfig, childConfigs }: INodeFunctionBaseParams) => {
    const config = rawConfig as SendToAgentConfig;
    const { api, input, context } = cognigy;
    const { stateKey, errorKey, timeoutMs } = advancedOf(config);
    const fail = (code: string, message: string, status?: number) =>
      failBranch(api, childConfigs, SEND_CHILDREN.error, errorKey, {
        node: SEND_TO_AGENT,
        operation: 'send',
        code,
        message,
        ...(status ? { status } : {}),
      });
    await guarded(api, childConfigs, SEND_CHILDREN.error, errorKey, SEND_TO_AGENT, 'send', async () => {
      const state = readState(context, stateKey);
      const sessionId = state?.sessionId ?? (typeof input.sessionId === 'string' ? input.sessionId : '');
      if (!sessionId) return fail('config', 'the input has no sessionId');
      const quickReply =
        quickReplyOf({ messageId: config.quickReplyMessageId, payload: config.quickReplyPayload, text: config.quickReplyText }) ??
        quickReplyOf(input.data?.quickReply);
      const body = userMessageBody({
        messageId: config.messageId,
        text: config.text,
        input,
        includeAttachments: config.includeAttachments !== false,
        quickReply,
      });
      if (!body) return fail('config', 'nothing to send: the text is empty and there is no attachment');
      const result = await callConnector(config.connection, 'POST', ['sessions', sessionId, 'messages'], { body, timeoutMs });
      if (result.ok) {
        takeBranch(api, childConfigs, SEND_CHILDREN.sent);
        return;
      }
      if (result.code === 'http' && (result.status === 409 || result.status === 404)) {
        if (state?.live) writeState(api, stateKey, endedState(state, state.reason));
        takeBranch(api, childConfigs, SEND_CHILDREN.noHandover);
        return;
      }
      fail(result.code, result.message, result.status);
    });
  },
});

export const sendToAgentOnSent = childNode(SEND_TO_AGENT, SEND_CHILDREN.sent, 'On Sent', 'ok');
export const sendToAgentOnNoHandover = childNode(SEND_TO_AGENT, SEND_CHILDREN.noHandover, 'No Live Handover', 'warn');
export const sendToAgentOnError = childNode(SEND_TO_AGENT, SEND_CHILDREN.error, 'On Error', 'error');
