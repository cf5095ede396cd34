import { TrafficControl as SharedTrafficControl } from '../shared/traffic-control';
import { sendGenesysError } from './errors';
import type { ActiveFault, FaultMode } from './types';

// The fault switches moved to tools/emulators/shared/traffic-control.ts (shared by the emulators); these are
// Genesys Cloud's answers to them.

/** Counts every /api/v2 and /oauth call; its faults answer as the Genesys platform does. */
export class TrafficControl extends SharedTrafficControl<FaultMode> {
  constructor(onFaultsChanged: (faults: ActiveFault[]) => void) {
    super(onFaultsChanged, {
      '429': (res, fault) => {
        const seconds = fault.retryAfterSeconds ?? 1;
        res.set('Retry-After', String(seconds));
        sendGenesysError(res, 429, 'too.many.requests', `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`);
      },
      '503': (res) => sendGenesysError(res, 503, 'service.unavailable', 'Service Unavailable'),
    });
  }
}
