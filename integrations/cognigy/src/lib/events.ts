/** A connector event as it arrives by Cognigy Inject: `input.data.handover` (see the connector's bot callbacks). */
export interface ConnectorEvent {
  id: string;
  type: string;
  endpointId?: string;
  sessionId?: string;
  userId?: string;
  handoverId?: string;
  time?: string;
  /** Cognigy's handover status, added by the connector to injected events. */
  status?: string;
  data?: Record<string, unknown>;
}

export const CONNECTOR_EVENT_TYPES = [
  'handover.queued',
  'handover.queue_update',
  'agent.joined',
  'agent.message',
  'agent.typing',
  'handover.ended',
] as const;

/** Cognigy's handover status vocabulary (`THandoverStatus` of @cognigy/rest-api-client). */
export const COGNIGY_HANDOVER_STATUSES = [
  'queue',
  'active',
  'completed',
  'cancelled',
  'error',
  'agentInject',
  'genericHandoverUpdate',
] as const;
export type CognigyHandoverStatus = (typeof COGNIGY_HANDOVER_STATUSES)[number];

/** What a Flow reads at `input.handover` (Cognigy's `IHandoverStatusInputObject`), so the Lookup node's Handover Status type works. */
export interface HandoverStatusInput {
  status: CognigyHandoverStatus;
  eventType?: 'queueUpdate';
  error?: { reason: 'error'; message: string };
  data: {
    type: string;
    handoverId?: string;
    eventId?: string;
    reason?: string;
    position?: number;
    /** Milliseconds, as Cognigy's own providers report it. */
    estimatedWaitTime?: number;
    agent?: { name?: string };
  };
}

function isEventLike(value: unknown): value is ConnectorEvent {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const { id, type } = value as { id?: unknown; type?: unknown };
  return typeof id === 'string' && id !== '' && typeof type === 'string' && /^(handover|agent)\.[a-z_]+$/.test(type);
}

/**
 * The connector event carried by an input, or undefined for a user's input: `input.data.handover` (how the
 * connector injects), or `input.data` itself when it is the event (a receiver that injects the callback body).
 */
export function connectorEventOf(input: { data?: unknown } | undefined): ConnectorEvent | undefined {
  const data = input?.data;
  if (!data || typeof data !== 'object') return undefined;
  const nested = (data as { handover?: unknown }).handover;
  if (isEventLike(nested)) return nested;
  if (isEventLike(data) && typeof (data as ConnectorEvent).handoverId === 'string') return data as ConnectorEvent;
  return undefined;
}

/** The end reasons Cognigy calls `completed`; the other known ones are `cancelled`, `provider_error` is `error`. */
const COMPLETED = new Set(['agent_ended', 'customer_ended']);
const CANCELLED = new Set(['bot_released', 'admin_released', 'queue_timeout', 'inactivity_timeout']);

/** Cognigy's status for a connector event: the one the connector sent, else derived from the type and reason. */
export function cognigyStatusOf(event: ConnectorEvent): CognigyHandoverStatus | undefined {
  if (typeof event.status === 'string' && (COGNIGY_HANDOVER_STATUSES as readonly string[]).includes(event.status)) {
    return event.status as CognigyHandoverStatus;
  }
  switch (event.type) {
    case 'handover.queued':
    case 'handover.queue_update':
      return 'queue';
    case 'agent.joined':
      return 'active';
    case 'handover.ended': {
      const reason = String(event.data?.reason ?? '');
      if (COMPLETED.has(reason)) return 'completed';
      if (CANCELLED.has(reason)) return 'cancelled';
      return 'error';
    }
    default:
      return undefined;
  }
}

function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `input.handover` for a lifecycle event (queued, queue update, agent joined, ended); undefined for the others. */
export function handoverStatusInput(event: ConnectorEvent): HandoverStatusInput | undefined {
  const status = cognigyStatusOf(event);
  if (!status) return undefined;
  const reason = typeof event.data?.reason === 'string' ? event.data.reason : undefined;
  const agentName = (event.data?.agent as { name?: unknown } | undefined)?.name;
  const position = finiteNumber(event.data?.position);
  const estimatedWaitTime = finiteNumber(event.data?.estimatedWaitMs);
  return {
    status,
    ...(event.type === 'handover.queue_update' ? { eventType: 'queueUpdate' as const } : {}),
    ...(status === 'error' ? { error: { reason: 'error' as const, message: reason ?? event.type } } : {}),
    data: {
      type: event.type,
      ...(event.handoverId ? { handoverId: event.handoverId } : {}),
      eventId: event.id,
      ...(reason ? { reason } : {}),
      ...(position !== undefined ? { position } : {}),
      ...(estimatedWaitTime !== undefined ? { estimatedWaitTime } : {}),
      ...(event.type === 'agent.joined' ? { agent: typeof agentName === 'string' ? { name: agentName } : {} } : {}),
    },
  };
}
