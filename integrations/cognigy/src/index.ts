/**
 * For code outside Cognigy (tests, a fake-Cognigy end-to-end suite): the extension and its pieces. Cognigy itself
 * loads build/module.js.
 */
export { default as extension } from './module';
export { handoverConnectorConnection } from './connections/handoverConnectorConnection';
export { routeInput, ROUTER_CHILDREN, HANDOVER_ROUTER } from './nodes/handoverRouter';
export type { RouteResult, RouterBranch, RouterConfig } from './nodes/handoverRouter';
export { handoverBody, HANDOVER_CHILDREN, HANDOVER_TO_AGENT } from './nodes/handoverToAgent';
export { mapTranscript } from './lib/transcript';
export type { ConnectorTranscriptEntry } from './lib/transcript';
export { cognigyStatusOf, connectorEventOf, handoverStatusInput } from './lib/events';
export type { ConnectorEvent, CognigyHandoverStatus, HandoverStatusInput } from './lib/events';
export { DEFAULT_CONTEXT_KEY, DEFAULT_ERROR_CONTEXT_KEY } from './lib/state';
export type { FlowApi, HandoverState, StoredError } from './lib/state';
export type { ConnectorConnection } from './lib/connector-client';
