import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Endpoint } from '../endpoint.model';
import type { ProviderDefinition } from '../provider-definition';
import { HandoverDefaultsSpec } from './endpoint-spec.dto';

/* What the admin API returns: the endpoint without any secret (booleans say which are set). */

export class CognigyNotifyView {
  @ApiPropertyOptional()
  notifyUrl?: string;

  @ApiPropertyOptional()
  injectUrl?: string;

  @ApiPropertyOptional()
  apiBaseUrl?: string;

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

/** The provider part common to every provider's view; each provider's view class extends it. */
export class ProviderViewBase {
  @ApiProperty({ example: 'genesys-cloud-open-messaging' })
  type!: string;

  @ApiPropertyOptional({ description: 'While a rotated-out webhook secret is still accepted: until when (ISO 8601).' })
  previousWebhookSecretValidUntil?: string;
}

export class EndpointView {
  @ApiProperty({ example: 'acme-support' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: BotView })
  bot!: BotView;

  @ApiProperty({ type: ProviderViewBase, description: "The provider's settings without secrets; the fields depend on `type`." })
  provider!: ProviderViewBase;

  @ApiProperty({ type: HandoverDefaultsSpec, description: 'With defaults applied.' })
  handoverDefaults!: HandoverDefaultsSpec;

  @ApiProperty({
    description:
      "Where the provider's webhooks go, to enter at the provider (Genesys Cloud: PUBLIC_BASE_URL/webhooks/genesys/<id>, " +
      'the Outbound Notification Webhook URL).',
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

export function toEndpointView(endpoint: Endpoint, definition: ProviderDefinition, publicBaseUrl: string, now = Date.now()): EndpointView {
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
        injectUrl: bot.cognigy.injectUrl,
        apiBaseUrl: bot.cognigy.apiBaseUrl,
        urlToken: bot.cognigy.urlToken,
        hasApiKey: bot.cognigy.apiKey !== undefined,
      },
    },
    provider: {
      ...(definition.view(provider) as ProviderViewBase),
      previousWebhookSecretValidUntil: previous && previous.validUntil > now ? new Date(previous.validUntil).toISOString() : undefined,
    },
    handoverDefaults: endpoint.handoverDefaults,
    configUrl: definition.configUrl(publicBaseUrl, endpoint.id),
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
  };
}
