import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PROVIDER_TYPES, ProviderType, type Endpoint } from '../endpoint.model';
import { HandoverDefaultsSpec } from './endpoint-spec.dto';

/* What the admin API returns: the endpoint without any secret (booleans say which are set). */

export class CognigyNotifyView {
  @ApiProperty()
  notifyUrl!: string;

  @ApiPropertyOptional()
  urlToken?: string;

  @ApiProperty()
  hasApiKey!: boolean;
}

export class BotView {
  @ApiPropertyOptional()
  callbackUrl?: string;

  @ApiProperty()
  hasCallbackSecret!: boolean;

  @ApiPropertyOptional({ type: CognigyNotifyView })
  cognigy?: CognigyNotifyView;
}

export class ProviderView {
  @ApiProperty({ enum: PROVIDER_TYPES })
  type!: ProviderType;

  @ApiPropertyOptional()
  region?: string;

  @ApiProperty({ description: 'Resolved from the region unless given.' })
  apiBaseUrl!: string;

  @ApiProperty({ description: 'Resolved from the region unless given.' })
  loginBaseUrl!: string;

  @ApiProperty()
  clientId!: string;

  @ApiProperty()
  hasClientSecret!: boolean;

  @ApiProperty()
  integrationId!: string;

  @ApiPropertyOptional()
  queueId?: string;

  @ApiProperty()
  hasWebhookSecret!: boolean;

  @ApiPropertyOptional({ description: 'While a rotated-out webhook secret is still accepted: until when (ISO 8601).' })
  previousWebhookSecretValidUntil?: string;

  @ApiProperty()
  rateLimitPerMinute!: number;
}

export class EndpointView {
  @ApiProperty({ example: 'acme-support' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: BotView })
  bot!: BotView;

  @ApiProperty({ type: ProviderView })
  provider!: ProviderView;

  @ApiProperty({ type: HandoverDefaultsSpec, description: 'With defaults applied.' })
  handoverDefaults!: HandoverDefaultsSpec;

  @ApiProperty({
    description: 'PUBLIC_BASE_URL/webhooks/genesys/<id>: the Outbound Notification Webhook URL to enter in Genesys Cloud.',
    example: 'https://connector.example.com/webhooks/genesys/acme-support',
  })
  configUrl!: string;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty()
  updatedAt!: string;
}

export class CreatedEndpointView extends EndpointView {
  @ApiProperty({ description: "The bot platform's bearer token for this endpoint. Shown only once: only a hash is kept." })
  apiKey!: string;
}

export class ApiKeyView {
  @ApiProperty()
  id!: string;

  @ApiProperty({ description: 'The new API key; the previous one stops working. Shown only once.' })
  apiKey!: string;
}

export function toEndpointView(endpoint: Endpoint, publicBaseUrl: string, now = Date.now()): EndpointView {
  const { bot, provider } = endpoint;
  const previous = provider.previousWebhookSecret;
  return {
    id: endpoint.id,
    name: endpoint.name,
    bot: {
      callbackUrl: bot.callbackUrl,
      hasCallbackSecret: bot.callbackSecret !== undefined,
      cognigy: bot.cognigy && {
        notifyUrl: bot.cognigy.notifyUrl,
        urlToken: bot.cognigy.urlToken,
        hasApiKey: bot.cognigy.apiKey !== undefined,
      },
    },
    provider: {
      type: provider.type,
      region: provider.region,
      apiBaseUrl: provider.apiBaseUrl,
      loginBaseUrl: provider.loginBaseUrl,
      clientId: provider.clientId,
      hasClientSecret: provider.clientSecret !== '',
      integrationId: provider.integrationId,
      queueId: provider.queueId,
      hasWebhookSecret: provider.webhookSecret !== '',
      previousWebhookSecretValidUntil: previous && previous.validUntil > now ? new Date(previous.validUntil).toISOString() : undefined,
      rateLimitPerMinute: provider.rateLimitPerMinute,
    },
    handoverDefaults: endpoint.handoverDefaults,
    configUrl: `${publicBaseUrl}/webhooks/genesys/${endpoint.id}`,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
  };
}
