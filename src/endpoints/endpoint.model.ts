import type { ProviderSettingsBase } from './provider-definition';

/*
 * The endpoint as the rest of the connector sees it: secrets decrypted, defaults applied, base URLs resolved.
 * Only the endpoints module reads and writes its stored (encrypted) form.
 */
/** Cognigy's Notify and Inject APIs: the Endpoint's URLs, or the REST API (`apiBaseUrl`, `apiKey`, `urlToken`). */
export interface CognigyNotifySettings {
  /** `https://endpoint-<env>.cognigy.ai/notify/<URLToken>`, or the REST API's notify URL when `apiKey` is set. */
  notifyUrl?: string;
  /** Derived from `notifyUrl` when absent. */
  injectUrl?: string;
  /** `https://api-<env>.cognigy.ai`: notify and inject at `/new/v2.0/endpoint/{notify,inject}`. */
  apiBaseUrl?: string;
  /** REST API form: sent as X-API-Key, with the URLToken in the body. */
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
  /**
   * Service-level threshold of the reports (default 60). Always set on an endpoint read from the store; optional
   * only so that endpoints built by hand (tests, tools) need not name it.
   */
  serviceLevelSeconds?: number;
}

/** `P` narrows the provider settings: each provider folder has its own type (src/contact-center/provider-settings.ts). */
export interface Endpoint<P extends ProviderSettingsBase = ProviderSettingsBase> {
  id: string;
  name: string;
  bot: BotSettings;
  provider: P;
  handoverDefaults: HandoverDefaults;
  createdAt: string;
  updatedAt: string;
}
