/** What the demo server pushes to the playground page (Server-Sent Events); public/playground.js reads these shapes. */

export interface ChatAttachment {
  url: string;
  mime?: string;
  filename?: string;
}

/** One line of the customer's chat. `system` lines narrate the handover ("Sam joined"). */
export interface ChatEntry {
  id: string;
  at: string;
  from: 'user' | 'bot' | 'agent' | 'system';
  text?: string;
  attachments?: ChatAttachment[];
  agentName?: string;
}

/** Who the customer is talking to: the bot, or (through the connector) a queue and then an agent. */
export type CustomerMode = 'bot' | 'connecting' | 'queued' | 'agent';

export interface CustomerStatus {
  sessionId: string;
  nickname: string;
  mode: CustomerMode;
  agentName?: string;
  position?: number;
  estimatedWaitMs?: number;
}

export type Party = 'customer' | 'bot' | 'connector' | 'genesys' | 'agent';

/** One hop of a message through the system, e.g. genesys → connector "webhook". */
export interface TimelineEntry {
  id: string;
  at: string;
  from: Party;
  to: Party;
  /** How it travels: "bot API", "Open Messaging API", "webhook", "notification", "job" (a drain job: retries, deferrals), "callback", "agent desk". */
  channel: string;
  summary: string;
  outcome: 'ok' | 'retry' | 'error';
}

export type TimelineDraft = Omit<TimelineEntry, 'id'>;

/** The routing data the customer's form gives a handover. */
export interface RoutingChoice {
  nickname?: string;
  language?: string;
  skills?: string[];
  priority?: number;
  customAttributes?: Record<string, string>;
}
