import { createExtension } from '@cognigy/extension-tools';
import { handoverConnectorConnection } from './connections/handoverConnectorConnection';
import {
  checkAgentAvailability,
  checkAgentAvailabilityOnAvailable,
  checkAgentAvailabilityOnError,
  checkAgentAvailabilityOnUnavailable,
} from './nodes/checkAgentAvailability';
import {
  getHandoverStatus,
  getHandoverStatusOnError,
  getHandoverStatusOnLive,
  getHandoverStatusOnNoHandover,
} from './nodes/getHandoverStatus';
import {
  handoverRouter,
  handoverRouterNoHandover,
  handoverRouterOnAgentJoined,
  handoverRouterOnCancelled,
  handoverRouterOnEnded,
  handoverRouterOnError,
  handoverRouterOnQueued,
  handoverRouterWhileLive,
} from './nodes/handoverRouter';
import {
  handoverToAgent,
  handoverToAgentOnAlreadyInProgress,
  handoverToAgentOnError,
  handoverToAgentOnRequested,
} from './nodes/handoverToAgent';
import { releaseHandover, releaseHandoverOnError, releaseHandoverOnNoHandover, releaseHandoverOnReleased } from './nodes/releaseHandover';
import { sendToAgent, sendToAgentOnError, sendToAgentOnNoHandover, sendToAgentOnSent } from './nodes/sendToAgent';

/** What Cognigy loads (package.json "main": build/module.js, its default export). */
export default createExtension({
  nodes: [
    handoverToAgent,
    handoverToAgentOnRequested,
    handoverToAgentOnAlreadyInProgress,
    handoverToAgentOnError,

    handoverRouter,
    handoverRouterNoHandover,
    handoverRouterWhileLive,
    handoverRouterOnQueued,
    handoverRouterOnAgentJoined,
    handoverRouterOnEnded,
    handoverRouterOnCancelled,
    handoverRouterOnError,

    sendToAgent,
    sendToAgentOnSent,
    sendToAgentOnNoHandover,
    sendToAgentOnError,

    releaseHandover,
    releaseHandoverOnReleased,
    releaseHandoverOnNoHandover,
    releaseHandoverOnError,

    checkAgentAvailability,
    checkAgentAvailabilityOnAvailable,
    checkAgentAvailabilityOnUnavailable,
    checkAgentAvailabilityOnError,

    getHandoverStatus,
    getHandoverStatusOnLive,
    getHandoverStatusOnNoHandover,
    getHandoverStatusOnError,
  ],
  connections: [handoverConnectorConnection],
  options: { label: 'Handover Connector' },
});
