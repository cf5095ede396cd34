/** What the transport needs of an event for the bot; the events themselves are the handover's (bot-events.ts). */
export interface BotCallbackEvent {
  /** Stable across retries: the Standard Webhooks `webhook-id`. */
  id: string;
  type: string;
  userId: string;
  sessionId: string;
  data: unknown;
}

/** Per-handover routing of the events, chosen by the bot when it started the handover. */
export interface BotRoute {
  cognigyUrlToken?: string;
}
