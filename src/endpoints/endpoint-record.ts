import { isDeepStrictEqual } from 'node:util';
import type { SecretBox } from '../infrastructure/crypto/secret-box';
import type { EndpointSpec } from './dto/endpoint-spec.dto';
import type { Endpoint } from './endpoint.model';
import type { ProviderCatalog } from './provider-definition';

export const ENDPOINT_DEFAULTS = {
  inactivityTimeoutSeconds: 1800,
  queueTimeoutSeconds: 1800,
  queueUpdateIntervalSeconds: 30,
  serviceLevelSeconds: 60,
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
function mapSecrets(
  spec: EndpointSpec,
  providerSecrets: readonly string[],
  transform: (value: string, field: string) => string,
): EndpointSpec {
  const optional = (value: string | undefined, field: string) => (value === undefined ? undefined : transform(value, field));
  const { bot, provider } = spec;
  const sealedProvider: Record<string, unknown> = { ...provider };
  for (const field of providerSecrets) {
    const value = provider[field];
    if (typeof value === 'string') sealedProvider[field] = transform(value, `provider.${field}`);
  }
  return {
    ...spec,
    bot: {
      ...bot,
      callbackSecret: optional(bot.callbackSecret, 'bot.callbackSecret'),
      cognigy: bot.cognigy && { ...bot.cognigy, apiKey: optional(bot.cognigy.apiKey, 'bot.cognigy.apiKey') },
    },
    provider: sealedProvider as EndpointSpec['provider'],
  };
}

/** Plain JSON data (no class instances, no undefined fields), as it is stored and compared. */
function toJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class EndpointRecords {
  constructor(
    private readonly box: SecretBox,
    private readonly providers: ProviderCatalog,
    private readonly webhookSecretGraceMs: number,
  ) {}

  /** The operator's description with secrets in clear (for merging a PATCH and comparing a seed). */
  openSpec(id: string, record: EndpointRecord): EndpointSpec {
    return mapSecrets(record.spec, this.secretsOf(record.spec), (sealed, field) => this.box.open(sealed, slot(id, field)));
  }

  private secretsOf(spec: EndpointSpec): readonly string[] {
    return this.providers.get(spec.provider.type).secretFields;
  }

  private webhookSecretOf(spec: EndpointSpec): string {
    return this.providers.get(spec.provider.type).resolve(spec.provider).webhookSecret;
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
    const oldSecret = this.webhookSecretOf(this.openSpec(id, current));
    const stillValid = (current.previousWebhookSecret?.validUntil ?? 0) > now ? current.previousWebhookSecret : undefined;
    const rotatedOut =
      this.webhookSecretGraceMs > 0
        ? { sealed: this.box.seal(oldSecret, slot(id, 'provider.previousWebhookSecret')), validUntil: now + this.webhookSecretGraceMs }
        : undefined;
    const previousWebhookSecret = this.webhookSecretOf(spec) === oldSecret ? stillValid : rotatedOut;
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
    const previous = record.previousWebhookSecret;
    return {
      id,
      name: spec.name ?? id,
      bot: { callbackUrl: bot.callbackUrl, callbackSecret: bot.callbackSecret, cognigy: bot.cognigy && { ...bot.cognigy } },
      provider: {
        ...this.providers.get(provider.type).resolve(provider),
        previousWebhookSecret: previous && {
          secret: this.box.open(previous.sealed, slot(id, 'provider.previousWebhookSecret')),
          validUntil: previous.validUntil,
        },
      },
      handoverDefaults: {
        language: defaults.language,
        skills: defaults.skills ?? [],
        priority: defaults.priority,
        customAttributes: defaults.customAttributes ?? {},
        inactivityTimeoutSeconds: defaults.inactivityTimeoutSeconds ?? ENDPOINT_DEFAULTS.inactivityTimeoutSeconds,
        queueTimeoutSeconds: defaults.queueTimeoutSeconds ?? ENDPOINT_DEFAULTS.queueTimeoutSeconds,
        queueUpdateIntervalSeconds: defaults.queueUpdateIntervalSeconds ?? ENDPOINT_DEFAULTS.queueUpdateIntervalSeconds,
        serviceLevelSeconds: defaults.serviceLevelSeconds ?? ENDPOINT_DEFAULTS.serviceLevelSeconds,
      },
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
  }

  private sealSpec(id: string, spec: EndpointSpec): EndpointSpec {
    return toJson(mapSecrets(spec, this.secretsOf(spec), (plaintext, field) => this.box.seal(plaintext, slot(id, field))));
  }
}
