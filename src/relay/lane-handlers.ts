import { Injectable } from '@nestjs/common';
import type { Lane } from './relay-queues';
import type { DeadLetter, MailboxEntry } from './session-mailbox';

/** Delivers one mailbox entry to its destination; throws a delivery error (delivery-errors.ts) on failure. */
export interface LaneHandler {
  deliver(endpointId: string, sessionId: string, entry: MailboxEntry): Promise<void>;
  /** After an entry was dead-lettered (e.g. tell Genesys the agent's message failed). */
  onDeadLetter?(deadLetter: DeadLetter): Promise<void>;
}

/** Feature modules register the handler of their lane; the relay module checks at boot that both lanes have one. */
@Injectable()
export class LaneHandlers {
  private readonly handlers = new Map<Lane, LaneHandler>();

  register(lane: Lane, handler: LaneHandler): void {
    if (this.handlers.has(lane)) throw new Error(`Lane ${lane} already has a handler`);
    this.handlers.set(lane, handler);
  }

  get(lane: Lane): LaneHandler {
    const handler = this.handlers.get(lane);
    if (!handler) throw new Error(`No handler registered for lane ${lane}`);
    return handler;
  }

  has(lane: Lane): boolean {
    return this.handlers.has(lane);
  }
}
