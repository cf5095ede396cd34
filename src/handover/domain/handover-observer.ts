import type { RoutingData } from '../../contact-center/contact-center-provider';
import type { Endpoint } from '../../endpoints/endpoint.model';
import type { EndReason, Handover } from './handover.model';

export type HandoverRef = Pick<Handover, 'id' | 'endpointId' | 'sessionId' | 'userId'>;

/** Which way a relay failed: towards the bot (to_bot) or towards the contact center (to_agent). */
export type DeliveryDirection = 'to_bot' | 'to_agent';

/** Who wrote a relayed message: the user (through the bot), a human agent, or a bot at the contact center. */
export type MessageAuthor = 'user' | 'agent' | 'provider-bot';

/** A request whose facts are recorded, until the handover is stored or refused. */
export interface PendingRequest {
  accepted(): void;
  withdraw(): Promise<void>;
}

/**
 * What happened to a handover, told by HandoverLifecycle once per fact (each transition only when it took
 * effect). Implemented above the handover layer (src/reporting records the handover facts and the Prometheus
 * series); the lifecycle catches and logs whatever an observer throws, so observing never fails a handover.
 * Times are ISO-8601, the same instant the transition stored.
 */
export abstract class HandoverObserver {
  /**
   * Before the handover is stored: later transitions may run before the request returns, so the facts exist
   * first. The answer is told whether the handover was then stored (`accepted`) or refused (`withdraw`).
   */
  abstract requested(endpoint: Endpoint, handover: Handover, routing: RoutingData): Promise<PendingRequest>;
  /** The provider accepted the opening message(s). */
  abstract submitted(handover: HandoverRef, at: string): Promise<void>;
  abstract queued(handover: HandoverRef, at: string): Promise<void>;
  /** An agent answered (joined, or wrote first on a provider without a join event). */
  abstract answered(handover: HandoverRef, at: string): Promise<void>;
  abstract transferred(handover: HandoverRef, at: string): Promise<void>;
  /** A message was queued for the other side (not a duplicate). Called on the hot path: must not wait for I/O. */
  abstract message(handover: HandoverRef, author: MessageAuthor, at: string): void;
  /** A relay entry was dead-lettered, or the provider reported a message it could not deliver. */
  abstract deliveryFailed(handover: HandoverRef, direction: DeliveryDirection, at: string): Promise<void>;
  abstract ended(handover: HandoverRef, reason: EndReason, at: string): Promise<void>;
}
