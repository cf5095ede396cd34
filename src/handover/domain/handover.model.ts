export const HANDOVER_STATES = ['requested', 'queued', 'active', 'ended'] as const;
export type HandoverState = (typeof HANDOVER_STATES)[number];

export const END_REASONS = [
  'agent_ended',
  'customer_ended',
  'bot_released',
  'inactivity_timeout',
  'queue_timeout',
  'admin_released',
  'provider_error',
] as const;
export type EndReason = (typeof END_REASONS)[number];

/** Reasons where the conversation is still open at the provider and we must disconnect it ourselves. */
export const ENDED_BY_US: ReadonlySet<EndReason> = new Set(['bot_released', 'inactivity_timeout', 'queue_timeout', 'admin_released']);

export interface Handover {
  id: string;
  endpointId: string;
  sessionId: string;
  userId: string;
  state: HandoverState;
  reason?: EndReason;
  conversationId?: string;
  agentName?: string;
  /** The provider's id of the agent who answered (Genesys user id), when the signal gave one. */
  agentUserId?: string;
  /** The agent being offered the conversation (alerted, not yet answered): participant and user id, since when. */
  alertingParticipantId?: string;
  alertingUserId?: string;
  alertingSince?: string;
  /**
   * The conversation was an earlier handover's, reopened by the provider (Genesys threading timeline): that
   * handover's id, and the participant legs that were already over when this one began (their events are not ours).
   */
  rethreadedFrom?: string;
  earlierLegs?: string[];
  createdAt: string;
  queuedAt?: string;
  activeAt?: string;
  endedAt?: string;
  lastActivityAt?: string;
  /** The Cognigy Endpoint that gets this handover's events, when the bot chose one. */
  cognigyUrlToken?: string;
}

export interface Session {
  endpointId: string;
  sessionId: string;
  userId: string;
  handoverId?: string;
  updatedAt: string;
}

export interface TimelineEntry {
  time: string;
  /** A state transition ("handover.queued"), a message ("user.message", "agent.message") or a note. */
  event: string;
  handoverId?: string;
  detail?: Record<string, unknown>;
}

export type TimerKind = 'inactivity' | 'queue-timeout' | 'queue-poll' | 'agent-left' | 'agent-check';

/** The choices an agent message offered, by the structured-response type that answers them: their payloads. */
export type MessageOffers = Partial<Record<'QuickReply' | 'Button' | 'DatePicker', string[]>>;
