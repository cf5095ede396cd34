import { isDeepStrictEqual } from 'node:util';
import type { SecretBox } from '../infrastructure/crypto/secret-box';
import { regionBaseUrls } from '../contact-center/genesys-cloud-open-messaging/regions';
import type { EndpointSpec } from './dto/endpoint-spec.dto';
import type { Endpoint } from './endpoint.model';

export const ENDPOINT_DEFAULTS = {
  rateLimitPerMinute: 300,
  inactivityTimeoutSeconds: 1800,
  queueTimeoutSeconds: 1800,
  queueUpdateIntervalSeconds: 30,
} as const;

/**
 * How an endpoint is kept in Redis (one JSON value per endpoint): the operator's description with every secret
 * sealed by SecretBox, the webhook secret being rotated out, and only a hash of the API key.
 */
export interface EndpointRecord {
  spec: EndpointSpec;
  previousWebhookSecret?: { sealed: string; validUntil: number };
  apiKeyHash: string;
  createdAt: string;
  updatedAt: string;
}

/** Binds each ciphertext to its endpoint and field, so a value copied elsewhere does not decrypt. */
const slot = (id: string, field: string) => `endpoint:${id}:${field}`;

/** The spec with every secret field passed through `transform` (seal or open). */
function mapSecrets(spec: EndpointSpec, transform: (value: string, field: string) => string): EndpointSpec {
  const optional = (value: string | undefined, field: string) => (value === undefined ? undefined : transform(value, field));
  const { bot, provider } = spec;
  return {
    ...spec,
    bot: {
      ...bot,
      callbackSecret: optional(bot.callbackSecret, 'bot.callbackSecret'),
      cognigy: bot.cognigy && { ...bot.cognigy, apiKey: optional(bot.cognigy.apiKey, 'bot.cognigy.apiKey') },
    },
    provider: {
      ...provider,
      clientSecret: transform(provider.clientSecret, 'provider.clientSecret'),
      webhookSecret: transform(provider.webhookSecret, 'provider.webhookSecret'),
    },
  };
}

/** Plain JSON data (no class instances, no undefined fields), as it is stored and compared. */
function toJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class EndpointRecords {
  constructor(
    private readonly box: SecretBox,
    private readonly webhookSecretGraceMs: number,
  ) {}

  /** The operator's description with secrets in clear (for merging a PATCH and comparing a seed). */
  openSpec(id: string, record: EndpointRecord): EndpointSpec {
    return mapSecrets(record.spec, (sealed, field) => this.box.open(sealed, slot(id, field)));
  }

  create(id: string, spec: EndpointSpec, apiKeyHash: string, now = Date.now()): EndpointRecord {
    const at = new Date(now).toISOString();
    return { spec: this.sealSpec(id, spec), apiKeyHash, createdAt: at, updatedAt: at };
  }

  /**
   * The record after `spec` replaces the current description. A new webhook secret moves the old one to
   * `previousWebhookSecret` for the grace period; an expired previous secret is dropped.
   */
  revise(id: string, current: EndpointRecord, spec: EndpointSpec, apiKeyHash = current.apiKeyHash, now = Date.now()): EndpointRecord {
    const oldSecret = this.openSpec(id, current).provider.webhookSecret;
    const stillValid = (current.previousWebhookSecret?.validUntil ?? 0) > now ? current.previousWebhookSecret : undefined;
    const rotatedOut =
      this.webhookSecretGraceMs > 0
        ? { sealed: this.box.seal(oldSecret, slot(id, 'provider.previousWebhookSecret')), validUntil: now + this.webhookSecretGraceMs }
        : undefined;
    const previousWebhookSecret = spec.provider.webhookSecret === oldSecret ? stillValid : rotatedOut;
    return {
      spec: this.sealSpec(id, spec),
      previousWebhookSecret,
      apiKeyHash,
      createdAt: current.createdAt,
      updatedAt: new Date(now).toISOString(),
    };
  }

  /** Whether storing `spec` with `apiKeyHash` would change nothing. */
  isUnchanged(id: string, current: EndpointRecord, spec: EndpointSpec, apiKeyHash: string): boolean {
    return apiKeyHash === current.apiKeyHash && isDeepStrictEqual(toJson(this.openSpec(id, current)), toJson(spec));
  }

  /** The endpoint as the rest of the connector uses it: secrets in clear, base URLs resolved, defaults applied. */
  toEndpoint(id: string, record: EndpointRecord): Endpoint {
    const spec = this.openSpec(id, record);
    const { bot, provider, handoverDefaults: defaults = {} } = spec;
    const regionUrls = provider.region ? regionBaseUrls(provider.region) : undefined;
    const baseUrl = (given: string | undefined, fromRegion: string | undefined) => (given ?? fromRegion ?? '').replace(/\/+$/, '');
    const previous = record.previousWebhookSecret;
    return {
      id,
      name: spec.name ?? id,
      bot: { callbackUrl: bot.callbackUrl, callbackSecret: bot.callbackSecret, cognigy: bot.cognigy && { ...bot.cognigy } },
      provider: {
        type: provider.type,
        region: provider.region,
        apiBaseUrl: baseUrl(provider.apiBaseUrl, regionUrls?.apiBaseUrl),
        loginBaseUrl: baseUrl(provider.loginBaseUrl, regionUrls?.loginBaseUrl),
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        integrationId: provider.integrationId,
        queueId: provider.queueId,
        webhookSecret: provider.webhookSecret,
        previousWebhookSecret: previous && {
          secret: this.box.open(previous.sealed, slot(id, 'provider.previousWebhookSecret')),
          validUntil: previous.validUntil,
        },
        rateLimitPerMinute: provider.rateLimitPerMinute ?? ENDPOINT_DEFAULTS.rateLimitPerMinute,
      },
      handoverDefaults: {
        language: defaults.language,
        skills: defaults.skills ?? [],
        priority: defaults.priority,
        customAttributes: defaults.customAttributes ?? {},
        inactivityTimeoutSeconds: defaults.inactivityTimeoutSeconds ?? ENDPOINT_DEFAULTS.inactivityTimeoutSeconds,
        queueTimeoutSeconds: defaults.queueTimeoutSeconds ?? ENDPOINT_DEFAULTS.queueTimeoutSeconds,
        queueUpdateIntervalSeconds: defaults.queueUpdateIntervalSeconds ?? ENDPOINT_DEFAULTS.queueUpdateIntervalSeconds,
      },
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
  }

  private sealSpec(id: string, spec: EndpointSpec): EndpointSpec {
    return toJson(mapSecrets(spec, (plaintext, field) => this.box.seal(plaintext, slot(id, field))));
  }
}
