import type {
  ICognigyContactProfileProperties,
  ICognigyInputProperties,
  IExecutionObjects,
} from '@cognigy/extension-tools/build/interfaces/descriptor';

/** The part of Cognigy's `cognigy.api` these nodes use (all optional, as in extension-tools' typings). */
export interface FlowApi {
  say?: (text: string, data?: unknown) => void;
  addToContext?: (key: string, value: unknown, mode: string) => void;
  /** Missing from extension-tools 0.14's typings, present at run time (every extension calls it). */
  addToInput?: (key: string, value: unknown) => void;
  setNextNode?: (nodeId: string) => void;
  log?: (level: string, text: string) => void;
}

/** Cognigy's `input`, `context` and `profile` as extension-tools types them (open objects). */
export type FlowInput = ICognigyInputProperties;
export type FlowContext = IExecutionObjects['context'];
export type FlowProfile = ICognigyContactProfileProperties;

/** Where every node keeps the session's handover (context), and the last error of a node. */
export const DEFAULT_CONTEXT_KEY = 'handoverConnector';
export const DEFAULT_ERROR_CONTEXT_KEY = 'handoverConnectorError';
/** How many connector event ids are remembered to drop repeats (delivery is at least once). */
const SEEN_EVENTS = 20;

/** The connector's handover states (`GET …/sessions/:sessionId` → `handover.state`). */
export type ConnectorHandoverState = 'requested' | 'queued' | 'active' | 'ended';

/** What the Flow remembers of the session's handover, at `context[contextKey]`. Small: never the transcript. */
export interface HandoverState {
  /** The connector's session id (Cognigy's `input.sessionId` when the handover was requested). */
  sessionId: string;
  handoverId?: string;
  state: ConnectorHandoverState;
  /** true while requested, queued or active: the Router forwards the user's input to the agent. */
  live: boolean;
  reason?: string;
  agent?: { name?: string };
  position?: number;
  estimatedWaitMs?: number;
  /** Set on the Hand over to agent node, read by the Router. */
  cancelIntent?: string;
  cancelText?: string;
  acceptedMessage?: string;
  repeatAcceptedMessage?: boolean;
  /** The ids of the last connector events handled, newest last. */
  seenEventIds: string[];
  updatedAt: string;
}

/** What a node stores at `context[errorContextKey]` before taking its error branch. */
export interface StoredError {
  node: string;
  operation: string;
  code: string;
  status?: number;
  message: string;
  time: string;
}

export function key(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}

export function readState(context: FlowContext | undefined, contextKey: string): HandoverState | undefined {
  const value = context?.[contextKey];
  if (!value || typeof value !== 'object' || typeof value.sessionId !== 'string' || typeof value.state !== 'string') return undefined;
  return {
    ...value,
    seenEventIds: Array.isArray(value.seenEventIds) ? value.seenEventIds.filter((id: unknown) => typeof id === 'string') : [],
  };
}

/** Writes the state to the context (one api call) and returns what was written. Fields set to undefined are left out. */
export function writeState(
  api: FlowApi,
  contextKey: string,
  state: Omit<HandoverState, 'updatedAt'> & { updatedAt?: string },
): HandoverState {
  const written = JSON.parse(
    JSON.stringify({ ...state, seenEventIds: state.seenEventIds.slice(-SEEN_EVENTS), updatedAt: new Date().toISOString() }),
  ) as HandoverState;
  api.addToContext?.(contextKey, written, 'simple');
  return written;
}

export function rememberEvent(state: HandoverState, eventId: string | undefined): HandoverState {
  if (!eventId) return state;
  return { ...state, seenEventIds: [...state.seenEventIds.filter((id) => id !== eventId), eventId].slice(-SEEN_EVENTS) };
}

/** The state once the handover has ended (by the connector, or released by this Flow). */
export function endedState(state: HandoverState, reason: string | undefined): HandoverState {
  const { position: _p, estimatedWaitMs: _e, ...rest } = state;
  return { ...rest, state: 'ended', live: false, ...(reason ? { reason } : {}) };
}

export function storeError(api: FlowApi, errorContextKey: string, error: Omit<StoredError, 'time'>): StoredError {
  const stored: StoredError = { ...error, message: error.message.slice(0, 1000), time: new Date().toISOString() };
  api.log?.(
    'error',
    `handover-connector ${error.node}: ${error.operation} failed (${error.code}${error.status ? ` ${error.status}` : ''}): ${stored.message}`,
  );
  api.addToContext?.(errorContextKey, stored, 'simple');
  return stored;
}
