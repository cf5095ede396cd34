/**
 * What the endpoints module needs to know of a contact-center provider's settings, and nothing more: each provider
 * folder (src/contact-center/<provider>) implements one ProviderDefinition, and ContactCenterModule hands them all to
 * this module under PROVIDER_DEFINITIONS. The endpoints module itself knows no provider.
 */

/** The part of every provider's settings the endpoints module manages itself (webhook secret rotation). */
export interface ProviderSettingsBase {
  type: string;
  /** Verifies the provider's webhooks. */
  webhookSecret: string;
  /** The secret before the last rotation, accepted until `validUntil` (epoch ms). */
  previousWebhookSecret?: { secret: string; validUntil: number };
  /** Cap on calls to the provider for this endpoint, shared by all workers. */
  rateLimitPerMinute: number;
}

/** A provider's `provider` body as the operator wrote it (a class-validator DTO of the provider's folder). */
export interface ProviderSpecBase {
  type: string;
}

export interface ProviderDefinition<
  Spec extends ProviderSpecBase = ProviderSpecBase,
  Settings extends ProviderSettingsBase = ProviderSettingsBase,
> {
  readonly type: Spec['type'];
  /** The DTO class validating the `provider` body (class-validator decorators, OpenAPI decorators). */
  readonly specClass: new () => Spec;
  /** The OpenAPI class of `view()`'s result. */
  readonly viewClass: new () => object;
  /** Fields of the spec that are secrets: sealed at rest, never returned. */
  readonly secretFields: readonly string[];
  /** Outbound URLs of the spec (field name without the `provider.` prefix), checked against the SSRF guard. */
  outboundUrls(spec: Spec): [field: string, url: string | undefined][];
  /** The settings the rest of the connector uses: defaults applied, base URLs resolved, secrets in clear. */
  resolve(spec: Spec): Omit<Settings, 'previousWebhookSecret'>;
  /** The admin view of the settings: no secret, booleans say which are set. */
  view(settings: Settings): object;
  /** The URL the operator enters at the provider for its webhooks (the admin API's `configUrl`). */
  configUrl(publicBaseUrl: string, endpointId: string): string;
}

/** Injection token: every ProviderDefinition, provided by ContactCenterModule. */
export const PROVIDER_DEFINITIONS = Symbol('PROVIDER_DEFINITIONS');

/** The registered definitions by `provider.type`. */
export class ProviderCatalog {
  private readonly byType = new Map<string, ProviderDefinition>();

  constructor(definitions: readonly ProviderDefinition[]) {
    for (const definition of definitions) {
      if (this.byType.has(definition.type)) throw new Error(`Two provider definitions claim type ${definition.type}`);
      this.byType.set(definition.type, definition);
    }
  }

  types(): string[] {
    return [...this.byType.keys()];
  }

  find(type: unknown): ProviderDefinition | undefined {
    return typeof type === 'string' ? this.byType.get(type) : undefined;
  }

  get(type: string): ProviderDefinition {
    const definition = this.byType.get(type);
    if (!definition) throw new Error(`No provider definition for type ${type}`);
    return definition;
  }

  all(): ProviderDefinition[] {
    return [...this.byType.values()];
  }
}
