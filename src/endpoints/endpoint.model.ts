/**
 * The endpoint as the rest of the connector sees it: secrets decrypted, defaults applied, base URLs resolved.
 * Only the endpoints module reads and writes its stored (encrypted) form.
 */
export const PROVIDER_TYPES = ['genesys-cloud-open-messaging'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

export interface GenesysOpenMessagingSettings {
  type: 'genesys-cloud-open-messaging';
  /** Region host as given (e.g. "mypurecloud.de"), if any. */
  region?: string;
  /** Resolved from `region` unless given explicitly (explicit URLs win). No trailing slash. */
  apiBaseUrl: string;
  loginBaseUrl: string;
  clientId: string;
  clientSecret: string;
  integrationId: string;
  /** Routing queue used for estimated wait time and availability queries (optional). */
  queueId?: string;
  /** Current Outbound Notification Webhook signature secret. */
  webhookSecret: string;
  /** The secret before the last rotation, accepted until `validUntil` (epoch ms). */
  previousWebhookSecret?: { secret: string; validUntil: number };
  /** Cap on calls to Genesys for this endpoint, shared by all workers (default 300). */
  rateLimitPerMinute: number;
}

export type ProviderSettings = GenesysOpenMessagingSettings;

export interface CognigyNotifySettings {
  /** `https://endpoint-<env>.cognigy.ai/notify/<URLToken>`, or the REST API's notify URL when `apiKey` is set. */
  notifyUrl: string;
  /** REST API form: sent as X-API-Key, with `urlToken` in the body. */
  apiKey?: string;
  urlToken?: string;
}

export interface BotSettings {
  /** Standard Webhooks callback (with `callbackSecret`), or `cognigy` Notify: exactly one of the two. */
  callbackUrl?: string;
  callbackSecret?: string;
  cognigy?: CognigyNotifySettings;
}

export interface HandoverDefaults {
  language?: string;
  skills: string[];
  priority?: number;
  customAttributes: Record<string, string>;
  /** End an active handover after this long without a message either way (default 1800). 0 disables. */
  inactivityTimeoutSeconds: number;
  /** End a handover still waiting for an agent after this long (default 1800). 0 disables. */
  queueTimeoutSeconds: number;
  /** How often to poll the estimated wait time while queued (default 30). 0 disables. */
  queueUpdateIntervalSeconds: number;
}

export interface Endpoint {
  id: string;
  name: string;
  bot: BotSettings;
  provider: ProviderSettings;
  handoverDefaults: HandoverDefaults;
  createdAt: string;
  updatedAt: string;
}
