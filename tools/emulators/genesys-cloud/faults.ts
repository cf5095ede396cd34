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
      // The call takes effect, its answer is lost: the caller sees a 503 (a retry must be the very same message).
      'lost-response': (res, _fault, next) => {
        const json = res.json.bind(res);
        res.json = ((_body: unknown) => {
          res.json = json;
          sendGenesysError(res, 503, 'service.unavailable', 'Service Unavailable');
          return res;
        }) as typeof res.json;
        next();
      },
      // The call is carried out `delayMs` late (1 s without one).
      delay: (res, fault, next) => {
        const timer = setTimeout(next, fault.delayMs ?? 1000);
        res.on('close', () => clearTimeout(timer));
      },
    });
  }
}
