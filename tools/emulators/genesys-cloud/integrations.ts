import { randomUUID } from 'node:crypto';
import { GenesysApiError } from './errors';
import { isStringMap } from './inbound';
import type { EmulatorChange, EntityRef, OpenIntegration } from './types';

/** Request fields of `OpenIntegrationRequest` / `OpenIntegrationUpdateRequest`, unchecked. */
export interface IntegrationFields {
  id?: string;
  name?: unknown;
  outboundNotificationWebhookUrl?: unknown;
  outboundNotificationWebhookSignatureSecretToken?: unknown;
  webhookHeaders?: unknown;
  supportedContent?: unknown;
  messagingSetting?: unknown;
}

const SUPPORTED_CONTENT = '/api/v2/conversations/messaging/supportedcontent';
const MESSAGING_SETTINGS = '/api/v2/conversations/messaging/settings';
const EMULATOR_USER: EntityRef = ref('/api/v2/users', '00000000-0000-4000-8000-00000000e001');

/** Open Messaging integrations, validated as the Genesys integrations API does. */
export class IntegrationRegistry {
  private readonly byId = new Map<string, OpenIntegration>();

  constructor(private readonly emitChange: (change: EmulatorChange) => void) {}

  get(id: string): OpenIntegration | undefined {
    return this.byId.get(id);
  }

  all(): OpenIntegration[] {
    return [...this.byId.values()];
  }

  create(fields: IntegrationFields): OpenIntegration {
    const id = fields.id ?? randomUUID();
    const time = new Date().toISOString();
    const integration: OpenIntegration = {
      id,
      name: requireName(fields.name),
      supportedContent: refField(fields.supportedContent, SUPPORTED_CONTENT) ?? ref(SUPPORTED_CONTENT, 'openMessagingDefault'),
      messagingSetting: refField(fields.messagingSetting, MESSAGING_SETTINGS),
      outboundNotificationWebhookUrl: requireWebhookUrl(fields.outboundNotificationWebhookUrl),
      outboundNotificationWebhookSignatureSecretToken: requireSecret(fields.outboundNotificationWebhookSignatureSecretToken),
      webhookHeaders: headersField(fields.webhookHeaders) ?? {},
      status: 'Active',
      recipient: ref('/api/v2/routing/message/recipients', id),
      dateCreated: time,
      dateModified: time,
      createdBy: EMULATOR_USER,
      modifiedBy: EMULATOR_USER,
      createStatus: 'Completed',
      selfUri: `/api/v2/conversations/messaging/integrations/open/${id}`,
    };
    return this.save(integration);
  }

  /** PATCH semantics of `OpenIntegrationUpdateRequest`: `name` required, everything else optional. */
  update(id: string, fields: IntegrationFields): OpenIntegration {
    const current = this.byId.get(id);
    if (!current) throw GenesysApiError.notFound();
    return this.save({
      ...current,
      name: requireName(fields.name),
      outboundNotificationWebhookUrl:
        fields.outboundNotificationWebhookUrl === undefined
          ? current.outboundNotificationWebhookUrl
          : requireWebhookUrl(fields.outboundNotificationWebhookUrl),
      outboundNotificationWebhookSignatureSecretToken:
        fields.outboundNotificationWebhookSignatureSecretToken === undefined
          ? current.outboundNotificationWebhookSignatureSecretToken
          : requireSecret(fields.outboundNotificationWebhookSignatureSecretToken),
      webhookHeaders: headersField(fields.webhookHeaders) ?? current.webhookHeaders,
      supportedContent: refField(fields.supportedContent, SUPPORTED_CONTENT) ?? current.supportedContent,
      messagingSetting: refField(fields.messagingSetting, MESSAGING_SETTINGS) ?? current.messagingSetting,
      dateModified: new Date().toISOString(),
    });
  }

  delete(id: string): void {
    if (!this.byId.delete(id)) throw GenesysApiError.notFound();
    this.emitChange({ type: 'integration.deleted', id });
  }

  private save(integration: OpenIntegration): OpenIntegration {
    this.byId.set(integration.id, integration);
    this.emitChange({ type: 'integration', integration: structuredClone(integration) });
    return integration;
  }
}

function ref(base: string, id: string): EntityRef {
  return { id, selfUri: `${base}/${id}` };
}

function requireName(value: unknown): string {
  if (typeof value !== 'string' || !value.trim()) throw GenesysApiError.badRequest('name is required');
  return value;
}

function requireWebhookUrl(value: unknown): string {
  if (typeof value !== 'string') throw GenesysApiError.badRequest('outboundNotificationWebhookUrl is required');
  if (URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)) return value;
  throw GenesysApiError.badRequest('outboundNotificationWebhookUrl must be an http(s) URL');
}

function requireSecret(value: unknown): string {
  if (typeof value !== 'string' || value.length <= 15) {
    throw GenesysApiError.badRequest('outboundNotificationWebhookSignatureSecretToken must be longer than 15 characters');
  }
  return value;
}

function headersField(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isStringMap(value)) throw GenesysApiError.badRequest('webhookHeaders must map header names to strings');
  return { ...value };
}

function refField(value: unknown, base: string): EntityRef | undefined {
  if (value === undefined) return undefined;
  const id = (value as { id?: unknown } | null)?.id;
  if (typeof id !== 'string') throw GenesysApiError.badRequest();
  return ref(base, id);
}
