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
  NODE_COLOR,
  safeLog,
  takeBranch,
} from '../lib/descriptors';
import { ConnectorEvent, connectorEventOf, HandoverStatusInput, handoverStatusInput } from '../lib/events';
import { quickReplyOf, userMessageBody } from '../lib/messages';
import {
  endedState,
  FlowApi,
  FlowContext,
  FlowInput,
  HandoverState,
  readState,
  rememberEvent,
  StoredError,
  storeError,
  writeState,
} from '../lib/state';
import { sayWithCancelButton } from './handoverToAgent';

export const HANDOVER_ROUTER = 'handoverRouter';

/** The Router's branches; each is one child node. */
export type RouterBranch = 'noHandover' | 'whileLive' | 'queued' | 'agentJoined' | 'ended' | 'cancelled' | 'error';

export const ROUTER_CHILDREN: Record<RouterBranch, string> = {
  noHandover: 'handoverRouterNoHandover',
  whileLive: 'handoverRouterWhileLive',
  queued: 'handoverRouterOnQueued',
  agentJoined: 'handoverRouterOnAgentJoined',
  ended: 'handoverRouterOnEnded',
  cancelled: 'handoverRouterOnCancelled',
  error: 'handoverRouterOnError',
};

export interface RouterConfig extends AdvancedConfig {
  /** Needed to forward the user's input and to release; not for connector events. */
  connection?: ConnectorConnection;
  /** Cancels in addition to the Cancel Intent and Cancel Button Text saved by the Hand over to agent node. */
  cancelIntent?: string;
  cancelTexts?: string[] | string;
  /** Forward the user's attachments (default true). */
  forwardAttachments?: boolean;
}

/**
 * Why the branch was taken, for logs and tests: `not_live`, `forwarded`, `nothing_to_forward`,
 * `handover_gone` (the connector answered 409/404 to a forward: the Flow's state was stale), `cancel`,
 * `queued`, `queue_update`, `agent_joined`, `ended`, `agent_message`, `agent_typing`, `duplicate_event`,
 * `stale_event` (another handover's end), `after_end` (an event of a handover this Flow already ended),
 * `unknown_event`, or the error code.
 */
export interface RouteResult {
  branch: RouterBranch;
  detail: string;
  /** What was written to `input.handover` (lifecycle events, and the user's cancel). */
  handover?: HandoverStatusInput;
  /** The state now at `context[stateContextKey]`, if there is one. */
  state?: HandoverState;
  error?: StoredError;
}

const LIFECYCLE = new Set(['handover.queued', 'handover.queue_update', 'agent.joined', 'handover.ended']);

function list(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return items
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
}

function wantsToCancel(input: FlowInput, state: HandoverState, config: RouterConfig): boolean {
  const intents = [...list(config.cancelIntent), ...list(state.cancelIntent)];
  const intent = typeof input.intent === 'string' ? input.intent.trim().toLowerCase() : '';
  if (intent && intents.includes(intent)) return true;
  const texts = [...list(config.cancelTexts), ...(state.cancelText ? [state.cancelText.trim().toLowerCase()] : [])];
  const text = typeof input.text === 'string' ? input.text.trim().toLowerCase() : '';
  return text !== '' && texts.includes(text);
}

function setInputHandover(api: FlowApi, handover: HandoverStatusInput): void {
  api.addToInput?.('handover', handover);
}

const DETAIL: Record<string, string> = {
  'handover.queued': 'queued',
  'handover.queue_update': 'queue_update',
  'agent.joined': 'agent_joined',
  'handover.ended': 'ended',
};

/** A connector event (arrived by Inject): update the state, tell the Flow in Cognigy's vocabulary, pick the branch. */
function routeEvent(event: ConnectorEvent, input: FlowInput, context: FlowContext, api: FlowApi, stateKey: string): RouteResult {
  const known = readState(context, stateKey);
  if (known?.seenEventIds.includes(event.id)) return { branch: 'whileLive', detail: 'duplicate_event', state: known };
  let state: HandoverState = known ?? {
    sessionId: event.sessionId ?? String(input.sessionId ?? ''),
    state: 'requested',
    live: true,
    seenEventIds: [],
    updatedAt: '',
  };
  const quiet = (detail: string): RouteResult => {
    state = writeState(api, stateKey, rememberEvent(state, event.id));
    return { branch: 'whileLive', detail, state };
  };
  if (!LIFECYCLE.has(event.type) && event.type !== 'agent.message') {
    const detail = event.type === 'agent.typing' ? 'agent_typing' : 'unknown_event';
    // Remembered only for a handover the Flow knows: such an event alone does not make one live.
    return known ? quiet(detail) : { branch: 'whileLive', detail };
  }

  const bothIds = state.handoverId !== undefined && event.handoverId !== undefined;
  const sameHandover = bothIds && state.handoverId === event.handoverId;
  /** The first event of a handover this Flow did not request itself: start its state afresh. */
  const adopt = () => {
    const { sessionId, cancelIntent, cancelText, acceptedMessage, repeatAcceptedMessage, seenEventIds } = state;
    state = {
      sessionId,
      handoverId: event.handoverId,
      state: 'requested',
      live: true,
      cancelIntent,
      cancelText,
      acceptedMessage,
      repeatAcceptedMessage,
      seenEventIds,
      updatedAt: '',
    };
  };
  if (known && !state.live) {
    // Ended here already (by an event, or released by this Flow): the end and anything else of that handover need
    // nothing more; an event of another handover starts it.
    if (event.type === 'handover.ended' || sameHandover || !event.handoverId) return quiet('after_end');
    adopt();
  } else if (bothIds && !sameHandover) {
    if (event.type === 'handover.ended') return quiet('stale_event');
    adopt();
  } else if (event.handoverId && !state.handoverId) {
    state = { ...state, handoverId: event.handoverId };
  }

  if (event.type === 'agent.message') {
    // Only a receiver of the signed callbacks injects agent messages (the connector sends them by Notify).
    const data = event.data ?? {};
    const text = typeof data.text === 'string' && data.text.trim() !== '' ? data.text : undefined;
    const attachments: unknown[] = Array.isArray(data.attachments) ? data.attachments : [];
    const links = attachments
      .map((a) => (a && typeof a === 'object' && typeof (a as { url?: unknown }).url === 'string' ? (a as { url: string }).url : ''))
      .filter(Boolean)
      .join('\n');
    const say = text ?? links;
    if (say) api.say?.(say, { handover: { id: event.id, type: event.type, handoverId: event.handoverId, agent: data.agent } });
    return quiet('agent_message');
  }

  const handover = handoverStatusInput(event)!;
  let branch: RouterBranch;
  switch (event.type) {
    case 'handover.queued':
    case 'handover.queue_update': {
      const { position, estimatedWaitTime } = handover.data;
      state = {
        ...state,
        state: state.state === 'active' ? 'active' : 'queued',
        live: true,
        ...(position !== undefined ? { position } : {}),
        ...(estimatedWaitTime !== undefined ? { estimatedWaitMs: estimatedWaitTime } : {}),
      };
      branch = 'queued';
      break;
    }
    case 'agent.joined': {
      const { position: _p, estimatedWaitMs: _e, ...rest } = state;
      state = { ...rest, state: 'active', live: true, agent: handover.data.agent ?? {} };
      branch = 'agentJoined';
      break;
    }
    default:
      state = endedState(state, handover.data.reason);
      branch = 'ended';
  }
  setInputHandover(api, handover);
  state = writeState(api, stateKey, rememberEvent(state, event.id));
  return { branch, detail: DETAIL[event.type], handover, state };
}

/**
 * The Handover router's logic, as a plain function (the node calls it, then takes the branch it returns; a
 * fake-Cognigy test can call it on every input, as a Flow would):
 *
 * - an input carrying a connector event (`input.data.handover`, as the connector injects it) updates the
 *   handover state at `context[stateContextKey]`, writes Cognigy's `input.handover` (`status` queue, active,
 *   completed, cancelled or error) and returns `queued`, `agentJoined` or `ended`; repeats, typing and events of
 *   an already ended handover return `whileLive`;
 * - a user's input while the state is live is forwarded (`POST …/messages`, `messageId = input.inputId`) →
 *   `whileLive`; the cancel intent or text releases instead (`POST …/release`) → `cancelled`; a 409/404 from the
 *   connector means the handover is gone → the state is cleared and `noHandover`;
 * - anything else → `noHandover` (the bot goes on).
 *
 * Never throws; a failed call returns `error` with the error stored at `context[errorContextKey]`.
 * `api.addToContext(key, value, "simple")` must set `context[key]` (as Cognigy does) for the next input to see it.
 */
export async function routeInput(input: FlowInput, context: FlowContext, api: FlowApi, config: RouterConfig = {}): Promise<RouteResult> {
  input = input ?? {};
  context = context ?? {};
  const { stateKey, errorKey, timeoutMs } = advancedOf(config);
  const failure = (operation: string, code: string, message: string, status?: number, state?: HandoverState): RouteResult => {
    let error: StoredError | undefined;
    try {
      error = storeError(api, errorKey, { node: HANDOVER_ROUTER, operation, code, message, ...(status ? { status } : {}) });
    } catch (err) {
      safeLog(api, `handover-connector ${HANDOVER_ROUTER}: could not store the error: ${errorText(err)}`);
    }
    return { branch: 'error', detail: code, ...(state ? { state } : {}), ...(error ? { error } : {}) };
  };
  try {
    const event = connectorEventOf(input);
    if (event) return routeEvent(event, input, context, api, stateKey);

    const state = readState(context, stateKey);
    if (!state?.live) return { branch: 'noHandover', detail: 'not_live', ...(state ? { state } : {}) };
    const connection = config.connection as ConnectorConnection;

    if (wantsToCancel(input, state, config)) {
      const result = await callConnector(connection, 'POST', ['sessions', state.sessionId, 'release'], { timeoutMs });
      if (!result.ok && !(result.code === 'http' && (result.status === 409 || result.status === 404))) {
        return failure('release', result.code, result.message, result.status, state);
      }
      const handover: HandoverStatusInput = {
        status: 'cancelled',
        data: { type: 'handover.ended', reason: 'bot_released', ...(state.handoverId ? { handoverId: state.handoverId } : {}) },
      };
      setInputHandover(api, handover);
      const ended = writeState(api, stateKey, endedState(state, 'bot_released'));
      return { branch: 'cancelled', detail: 'cancel', handover, state: ended };
    }

    const body = userMessageBody({
      messageId: input.inputId,
      text: input.text,
      input,
      includeAttachments: config.forwardAttachments !== false,
      quickReply: quickReplyOf(input.data?.quickReply),
    });
    if (!body) return { branch: 'whileLive', detail: 'nothing_to_forward', state };
    const result = await callConnector(connection, 'POST', ['sessions', state.sessionId, 'messages'], { body, timeoutMs });
    if (result.ok) {
      if (state.repeatAcceptedMessage && state.acceptedMessage && (state.state === 'requested' || state.state === 'queued')) {
        try {
          sayWithCancelButton(api, state.acceptedMessage, state.cancelText);
        } catch (err) {
          safeLog(api, `handover-connector ${HANDOVER_ROUTER}: could not repeat the accepted message: ${errorText(err)}`);
        }
      }
      return { branch: 'whileLive', detail: 'forwarded', state };
    }
    if (result.code === 'http' && (result.status === 409 || result.status === 404)) {
      // The connector has no live handover for this session: the Flow's state was stale. The bot takes the input.
      const ended = writeState(api, stateKey, endedState(state, state.reason));
      return { branch: 'noHandover', detail: 'handover_gone', state: ended };
    }
    return failure('forward', result.code, result.message, result.status, state);
  } catch (err) {
    return failure('route', 'internal', errorText(err));
  }
}

export const handoverRouter = createNodeDescriptor({
  type: HANDOVER_ROUTER,
  defaultLabel: 'Handover router',
  summary: "At the top of the Flow: forwards the user to the agent while a handover is live, reacts to the connector's events",
  tags: ['service', 'handover'],
  appearance: { color: NODE_COLOR },
  behavior: { entrypoint: true },
  dependencies: { children: Object.values(ROUTER_CHILDREN) },
  fields: [
    {
      ...connectionField,
      description: "Used to forward the user's messages and to release; the same Connection as the Hand over to agent node.",
    },
    {
      key: 'cancelTexts',
      label: 'Cancel texts',
      type: 'chipInput',
      defaultValue: [],
      description:
        'Texts that release the handover when the user writes exactly one of them (besides the Cancel Button Text of the Hand over to agent node).',
    },
    {
      key: 'cancelIntent',
      label: 'Cancel Intent',
      type: 'cognigyText',
      defaultValue: '',
      description: 'An intent that releases the handover (besides the one set on the Hand over to agent node).',
    },
    {
      key: 'forwardAttachments',
      label: 'Forward attachments',
      type: 'toggle',
      defaultValue: true,
      description: "Send the user's uploads to the agent as links.",
    },
    ...advancedFields,
  ],
  sections: [
    { key: 'cancel', label: 'Cancel Handover Options', defaultCollapsed: true, fields: ['cancelTexts', 'cancelIntent'] },
    { key: 'forwarding', label: 'Forwarding', defaultCollapsed: true, fields: ['forwardAttachments'] },
    advancedSection,
  ],
  form: [
    { type: 'field', key: 'connection' },
    { type: 'section', key: 'cancel' },
    { type: 'section', key: 'forwarding' },
    { type: 'section', key: 'advanced' },
  ],
  function: async ({ cognigy, config: rawConfig, childConfigs }: INodeFunctionBaseParams) => {
    const config = rawConfig as RouterConfig;
    const { api } = cognigy;
    const result = await routeInput(cognigy.input, cognigy.context, api, config);
    try {
      if (result.branch !== 'error') safeLog(api, `handover-connector ${HANDOVER_ROUTER}: ${result.branch} (${result.detail})`, 'debug');
      takeBranch(api, childConfigs, ROUTER_CHILDREN[result.branch]);
    } catch (err) {
      failBranch(api, childConfigs, ROUTER_CHILDREN.error, advancedOf(config).errorKey, {
        node: HANDOVER_ROUTER,
        operation: 'branch',
        code: 'internal',
        message: errorText(err),
      });
    }
  },
});

export const handoverRouterNoHandover = childNode(HANDOVER_ROUTER, ROUTER_CHILDREN.noHandover, 'No Handover', 'neutral');
export const handoverRouterWhileLive = childNode(HANDOVER_ROUTER, ROUTER_CHILDREN.whileLive, 'While Live', 'neutral');
export const handoverRouterOnQueued = childNode(HANDOVER_ROUTER, ROUTER_CHILDREN.queued, 'On Queued', 'warn');
export const handoverRouterOnAgentJoined = childNode(HANDOVER_ROUTER, ROUTER_CHILDREN.agentJoined, 'On Agent Joined', 'ok');
export const handoverRouterOnEnded = childNode(HANDOVER_ROUTER, ROUTER_CHILDREN.ended, 'On Ended', 'ok');
export const handoverRouterOnCancelled = childNode(HANDOVER_ROUTER, ROUTER_CHILDREN.cancelled, 'On Cancelled', 'warn');
export const handoverRouterOnError = childNode(HANDOVER_ROUTER, ROUTER_CHILDREN.error, 'On Error', 'error');
