import type { RequestHandler, Response } from 'express';
import { ControlError, sendGenesysError } from './errors';
import type { ActiveFault, ApiCallRecord, FaultInput, FaultMode } from './types';

const MODES: readonly FaultMode[] = ['429', '503', 'hang', 'lost-response', 'delay'];
/** The detailed call log keeps the newest calls only, so a long-running emulator does not grow without bound. */
const MAX_CALL_LOG = 5000;

/**
 * Counts every /api/v2 and /oauth call and applies the fault switches to them:
 * the next N matching calls answer 429 (with Retry-After), 503, or never answer until the emulator closes; or they
 * are carried out and their answer is lost (`lost-response`: the caller sees a 503 for a call that took effect), or
 * are carried out `delayMs` late (`delay`).
 */
export class TrafficControl {
  private faults: ActiveFault[] = [];
  private calls: ApiCallRecord[] = [];
  private counts = new Map<string, number>();
  private readonly hanging = new Set<Response>();

  constructor(private readonly onFaultsChanged: (faults: ActiveFault[]) => void) {}

  addFault(input: FaultInput): ActiveFault {
    if (!MODES.includes(input.mode)) throw new ControlError(400, `mode must be one of ${MODES.join(', ')}`);
    if (!Number.isInteger(input.count) || input.count < 1) throw new ControlError(400, 'count must be a positive integer');
    if (input.mode === 'delay' && !(Number.isFinite(input.delayMs) && (input.delayMs ?? 0) > 0)) {
      throw new ControlError(400, 'delayMs must be > 0 for mode delay');
    }
    const fault: ActiveFault = { ...input, retryAfterSeconds: input.retryAfterSeconds ?? 1, remaining: input.count };
    this.faults.push(fault);
    this.onFaultsChanged(this.activeFaults());
    return fault;
  }

  clearFaults(): void {
    this.faults = [];
    this.onFaultsChanged([]);
  }

  activeFaults(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  callLog(): ApiCallRecord[] {
    return this.calls.map((c) => ({ ...c }));
  }

  countsByPath(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** Forgets the call log and answers nothing more to hung requests (their sockets are destroyed). */
  reset(): void {
    this.calls = [];
    this.counts = new Map();
    this.clearFaults();
    this.releaseHanging();
  }

  releaseHanging(): void {
    for (const res of this.hanging) res.socket?.destroy();
    this.hanging.clear();
  }

  readonly middleware: RequestHandler = (req, res, next) => {
    const record: ApiCallRecord = {
      at: new Date().toISOString(),
      method: req.method,
      path: req.originalUrl.split('?')[0],
    };
    this.calls.push(record);
    if (this.calls.length > MAX_CALL_LOG) this.calls.shift();
    this.counts.set(record.path, (this.counts.get(record.path) ?? 0) + 1);
    res.on('finish', () => {
      record.status = res.statusCode;
    });

    const fault = this.faults.find((f) => f.remaining > 0 && (!f.pathPrefix || record.path.startsWith(f.pathPrefix)));
    if (!fault) return next();
    fault.remaining -= 1;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    this.onFaultsChanged(this.activeFaults());
    record.fault = fault.mode;

    switch (fault.mode) {
      case '429': {
        const seconds = fault.retryAfterSeconds ?? 1;
        res.set('Retry-After', String(seconds));
        return sendGenesysError(
          res,
          429,
          'too.many.requests',
          `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`,
        );
      }
      case '503':
        return sendGenesysError(res, 503, 'service.unavailable', 'Service Unavailable');
      case 'hang':
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      case 'delay': {
        const timer = setTimeout(next, fault.delayMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case 'lost-response': {
        const json = res.json.bind(res);
        res.json = ((_body: unknown) => {
          res.json = json;
          sendGenesysError(res, 503, 'service.unavailable', 'Service Unavailable');
          return res;
        }) as typeof res.json;
        return next();
      }
    }
  };
}
