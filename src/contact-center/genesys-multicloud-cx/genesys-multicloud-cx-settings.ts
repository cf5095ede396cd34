import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Equals, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsHttpUrl } from '../../endpoints/dto/endpoint-validators';
import type { ProviderDefinition, ProviderSettingsBase, ProviderSpecBase } from '../../endpoints/provider-definition';

/** Genesys Multicloud CX Third-Party Messaging's settings: its DTO, the resolved form, the admin view and its definition. */
export const GENESYS_MULTICLOUD_CX = 'genesys-multicloud-cx' as const;

/** Genesys publishes no rate limit for Third-Party Messaging: a conservative cap until a tenant shows otherwise. */
const DEFAULT_RATE_LIMIT_PER_MINUTE = 120;

export const DEFAULT_GOODBYE_TEXT = 'The customer has left the conversation.';

export const CUSTOMER_ID_MODES = ['per-user', 'per-handover'] as const;
export type CustomerIdMode = (typeof CUSTOMER_ID_MODES)[number];

/** Printable ASCII without spaces: these values travel in HTTP headers (`x-ccid`, `x-api-key`). */
const HEADER_VALUE = /^[\x21-\x7e]+$/;

export interface GenesysMulticloudCxSettings extends ProviderSettingsBase {
  type: typeof GENESYS_MULTICLOUD_CX;
  /** The Digital Channels API base, ending in `/nexus/v3`; no trailing slash. */
  apiBaseUrl: string;
  /** Contact center id (`x-ccid`). */
  ccid: string;
  /** The Third-Party Messaging channel (`/channels/{channelId}/messages`). */
  channelId: string;
  /** Signs our requests to Nexus (`X-Hub-Signature`); `webhookSecret` defaults to it. */
  channelSecret: string;
  /** Sent as `x-api-key` when set. */
  apiKey?: string;
  customerIdMode: CustomerIdMode;
  /** The bearer token of the Designer application's routing-context call; without it the route refuses every call. */
  routingToken?: string;
  /** Sent to the agent as the customer's last message when the connector ends a handover itself. */
  goodbyeText: string;
}

export class GenesysMulticloudCxSpec implements ProviderSpecBase {
  @ApiProperty({ enum: [GENESYS_MULTICLOUD_CX] })
  @Equals(GENESYS_MULTICLOUD_CX)
  type!: typeof GENESYS_MULTICLOUD_CX;

  @ApiProperty({
    description: 'Digital Channels (Nexus) API base URL given by Genesys, including /nexus/v3.',
    example: 'https://digital.api01-westus2.prod001.genesysengage.com/nexus/v3',
  })
  @IsHttpUrl()
  apiBaseUrl!: string;

  @ApiProperty({ description: 'Contact center id, sent as x-ccid.', example: '0ff723ff-6c6f-44e0-9ce3-ce579337eadd' })
  @IsString()
  @MaxLength(128)
  @Matches(HEADER_VALUE, { message: '$property must be printable ASCII without spaces' })
  ccid!: string;

  @ApiProperty({ description: 'The Third-Party Messaging channel id.', example: '0123456789' })
  @IsString()
  @MaxLength(256)
  @Matches(/^[^\s/]+$/, { message: '$property must not be empty nor contain spaces or "/"' })
  channelId!: string;

  @ApiProperty({
    description: 'The channel secret: signs requests to Nexus (HMAC-SHA1), more than 15 characters. Write-only.',
    minLength: 16,
    writeOnly: true,
  })
  @IsString()
  @MinLength(16, { message: '$property must be longer than 15 characters' })
  @MaxLength(1024)
  channelSecret!: string;

  @ApiPropertyOptional({
    description:
      'Verifies the Nexus webhooks (X-Hub-Signature); defaults to channelSecret. Write-only; a new value keeps the old one valid for WEBHOOK_SECRET_GRACE_SECONDS.',
    minLength: 16,
    writeOnly: true,
  })
  @IsOptional()
  @IsString()
  @MinLength(16, { message: '$property must be longer than 15 characters' })
  @MaxLength(1024)
  webhookSecret?: string;

  @ApiPropertyOptional({ description: 'Digital Channels API key, sent as x-api-key when set. Write-only.', writeOnly: true })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  @Matches(HEADER_VALUE, { message: '$property must be printable ASCII without spaces' })
  apiKey?: string;

  @ApiPropertyOptional({
    description:
      "The consumer id Nexus sees: `per-user` (the bot's userId: the agent sees earlier handovers) or `per-handover` (`hc-<handoverId>`: every handover is a fresh interaction).",
    enum: CUSTOMER_ID_MODES,
    default: 'per-user',
  })
  @IsOptional()
  @IsIn(CUSTOMER_ID_MODES)
  customerIdMode?: CustomerIdMode;

  @ApiPropertyOptional({
    description:
      'Bearer token the Designer routing application presents on /webhooks/genesys-mcx/<id>/routing-context, at least 24 characters. Write-only.',
    minLength: 24,
    writeOnly: true,
  })
  @IsOptional()
  @IsString()
  @MinLength(24)
  @MaxLength(1024)
  @Matches(HEADER_VALUE, { message: '$property must be printable ASCII without spaces' })
  routingToken?: string;

  @ApiPropertyOptional({
    description: 'Sent to the agent when the connector ends a handover itself (bot release, timeouts, admin release).',
    default: DEFAULT_GOODBYE_TEXT,
    maxLength: 4000,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  goodbyeText?: string;

  @ApiPropertyOptional({ description: 'Cap on calls to Nexus for this endpoint.', default: DEFAULT_RATE_LIMIT_PER_MINUTE, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  rateLimitPerMinute?: number;
}

export class GenesysMulticloudCxView {
  @ApiProperty({ enum: [GENESYS_MULTICLOUD_CX] })
  type!: string;

  @ApiProperty()
  apiBaseUrl!: string;

  @ApiProperty()
  ccid!: string;

  @ApiProperty()
  channelId!: string;

  @ApiProperty()
  hasChannelSecret!: boolean;

  @ApiProperty({ description: 'False when the webhooks are verified with a webhookSecret of their own.' })
  webhookSecretIsChannelSecret!: boolean;

  @ApiProperty()
  hasApiKey!: boolean;

  @ApiProperty({ enum: CUSTOMER_ID_MODES })
  customerIdMode!: string;

  @ApiProperty()
  hasRoutingToken!: boolean;

  @ApiProperty()
  goodbyeText!: string;

  @ApiProperty()
  rateLimitPerMinute!: number;
}

export const genesysMulticloudCxDefinition: ProviderDefinition<GenesysMulticloudCxSpec, GenesysMulticloudCxSettings> = {
  type: GENESYS_MULTICLOUD_CX,
  specClass: GenesysMulticloudCxSpec,
  viewClass: GenesysMulticloudCxView,
  secretFields: ['channelSecret', 'webhookSecret', 'apiKey', 'routingToken'],
  outboundUrls: (spec) => [['apiBaseUrl', spec.apiBaseUrl]],
  resolve: (spec) => ({
    type: spec.type,
    apiBaseUrl: spec.apiBaseUrl.replace(/\/+$/, ''),
    ccid: spec.ccid,
    channelId: spec.channelId,
    channelSecret: spec.channelSecret,
    webhookSecret: spec.webhookSecret ?? spec.channelSecret,
    apiKey: spec.apiKey,
    customerIdMode: spec.customerIdMode ?? 'per-user',
    routingToken: spec.routingToken,
    goodbyeText: spec.goodbyeText ?? DEFAULT_GOODBYE_TEXT,
    rateLimitPerMinute: spec.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
  }),
  view: (settings) => ({
    type: settings.type,
    apiBaseUrl: settings.apiBaseUrl,
    ccid: settings.ccid,
    channelId: settings.channelId,
    hasChannelSecret: settings.channelSecret !== '',
    webhookSecretIsChannelSecret: settings.webhookSecret === settings.channelSecret,
    hasApiKey: Boolean(settings.apiKey),
    customerIdMode: settings.customerIdMode,
    hasRoutingToken: Boolean(settings.routingToken),
    goodbyeText: settings.goodbyeText,
    rateLimitPerMinute: settings.rateLimitPerMinute,
  }),
  configUrl: (publicBaseUrl, endpointId) => `${publicBaseUrl}/webhooks/genesys-mcx/${endpointId}`,
};
