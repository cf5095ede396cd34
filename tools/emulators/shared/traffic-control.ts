import type { RequestHandler, Response } from 'express';
import { ControlError } from './control-errors';

/** `hang` never answers until the emulator closes; every other mode is answered by the emulator's own responder. */
export interface FaultInput<Mode extends string = string> {
  mode: Mode;
  count: number;
  retryAfterSeconds?: number;
  /** For modes that hold a call before carrying it out. */
  delayMs?: number;
  pathPrefix?: string;
}

export interface ActiveFault<Mode extends string = string> extends FaultInput<Mode> {
  remaining: number;
}

export interface ApiCallRecord<Mode extends string = string> {
  at: string;
  method: string;
  path: string;
  status?: number;
  fault?: Mode;
}

/**
 * How an emulator answers each of its fault modes but `hang`, in the product's own error format; a responder may
 * instead let the call go on (`next`), e.g. late, or to replace its answer.
 */
export type FaultResponders<Mode extends string> = Record<
  Exclude<Mode, 'hang'>,
  (res: Response, fault: ActiveFault<Mode>, next: () => void) => void
>;

/** The detailed call log keeps the newest calls only, so a long-running emulator does not grow without bound. */
const MAX_CALL_LOG = 5000;

/**
 * Counts every call of the product API it is mounted on and applies the fault switches to them: the next N matching
 * calls get the fault (a 429 with Retry-After, a 503, …, or no answer at all until the emulator closes).
 */
export class TrafficControl<Mode extends string = string> {
  private faults: ActiveFault<Mode>[] = [];
  private calls: ApiCallRecord<Mode>[] = [];
  private counts = new Map<string, number>();
  private readonly hanging = new Set<Response>();
  private readonly modes: readonly string[];

  constructor(
    private readonly onFaultsChanged: (faults: ActiveFault<Mode>[]) => void,
    private readonly responders: FaultResponders<Mode>,
  ) {
    this.modes = [...Object.keys(responders), 'hang'];
  }

  addFault(input: FaultInput<Mode>): ActiveFault<Mode> {
    if (!this.modes.includes(input.mode)) throw new ControlError(400, `mode must be one of ${this.modes.join(', ')}`);
    if (!Number.isInteger(input.count) || input.count < 1) throw new ControlError(400, 'count must be a positive integer');
    if (input.delayMs !== undefined && !(Number.isFinite(input.delayMs) && input.delayMs > 0)) {
      throw new ControlError(400, 'delayMs must be a number > 0');
    }
    const fault: ActiveFault<Mode> = { ...input, retryAfterSeconds: input.retryAfterSeconds ?? 1, remaining: input.count };
    this.faults.push(fault);
    this.onFaultsChanged(this.activeFaults());
    return fault;
  }

  clearFaults(): void {
    this.faults = [];
    this.onFaultsChanged([]);
  }

  activeFaults(): ActiveFault<Mode>[] {
    return this.faults.map((f) => ({ ...f }));
  }

  callLog(): ApiCallRecord<Mode>[] {
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
    const record: ApiCallRecord<Mode> = {
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

    if (fault.mode === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    this.responders[fault.mode as Exclude<Mode, 'hang'>](res, fault, next);
  };
}
