import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  Equals,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidationArguments,
} from 'class-validator';
import { IsHttpUrl } from '../../endpoints/dto/endpoint-validators';
import type { ProviderDefinition, ProviderSettingsBase, ProviderSpecBase } from '../../endpoints/provider-definition';
import { regionBaseUrls, regionHost } from './regions';

/** Genesys Cloud Open Messaging's settings: its DTO, the resolved form, the admin view and its definition. */
export const GENESYS_CLOUD_OPEN_MESSAGING = 'genesys-cloud-open-messaging' as const;

/** Genesys's default cap per client-credentials token. */
const DEFAULT_RATE_LIMIT_PER_MINUTE = 300;

export interface GenesysCloudOpenMessagingSettings extends ProviderSettingsBase {
  type: typeof GENESYS_CLOUD_OPEN_MESSAGING;
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
  /**
   * A static token accepted on the events route (`Authorization: Bearer <eventsToken>`) instead of the signature:
   * a Process Automation workflow's data action cannot compute an HMAC. Secret; optional.
   */
  eventsToken?: string;
}

/** On `provider.region`: a known region, unless both base URLs are given (then any label, or none). */
export function IsGenesysRegion(): PropertyDecorator {
  return ValidateBy({
    name: 'isGenesysRegion',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        const provider = args?.object as { apiBaseUrl?: unknown; loginBaseUrl?: unknown };
        if (provider.apiBaseUrl != null && provider.loginBaseUrl != null) return value == null || typeof value === 'string';
        return typeof value === 'string' && regionHost(value) !== undefined;
      },
      defaultMessage: () =>
        '$property must be a known Genesys Cloud region (e.g. "mypurecloud.de" or "eu_central_1") ' +
        'unless apiBaseUrl and loginBaseUrl are both given',
    },
  });
}

export class GenesysCloudOpenMessagingSpec implements ProviderSpecBase {
  @ApiProperty({ enum: [GENESYS_CLOUD_OPEN_MESSAGING] })
  @Equals(GENESYS_CLOUD_OPEN_MESSAGING)
  type!: typeof GENESYS_CLOUD_OPEN_MESSAGING;

  @ApiPropertyOptional({
    description: 'Genesys Cloud region, as host ("mypurecloud.de") or SDK name ("eu_central_1"). Required unless both base URLs are given.',
    example: 'mypurecloud.de',
  })
  @IsGenesysRegion()
  region?: string;

  @ApiPropertyOptional({ description: "Overrides the region's API base URL.", example: 'https://api.mypurecloud.de' })
  @IsOptional()
  @IsHttpUrl()
  apiBaseUrl?: string;

  @ApiPropertyOptional({ description: "Overrides the region's login base URL.", example: 'https://login.mypurecloud.de' })
  @IsOptional()
  @IsHttpUrl()
  loginBaseUrl?: string;

  @ApiProperty({ description: 'OAuth client (client-credentials grant).' })
  @IsString()
  @IsNotEmpty()
  clientId!: string;

  @ApiProperty({ description: 'OAuth client secret. Write-only.', writeOnly: true })
  @IsString()
  @IsNotEmpty()
  clientSecret!: string;

  @ApiProperty({ description: 'Open Messaging integration id.' })
  @IsString()
  @IsNotEmpty()
  integrationId!: string;

  @ApiPropertyOptional({ description: 'Routing queue used for estimated wait time and availability.' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  queueId?: string;

  @ApiProperty({
    description:
      'Outbound Notification Webhook signature secret token, more than 15 characters. Write-only; a new value keeps ' +
      'the old one valid for WEBHOOK_SECRET_GRACE_SECONDS.',
    minLength: 16,
    writeOnly: true,
  })
  @IsString()
  @MinLength(16, { message: '$property must be longer than 15 characters' })
  webhookSecret!: string;

  @ApiPropertyOptional({
    description:
      'Static token a Genesys data action sends on `POST /webhooks/genesys/<id>/events` as `Authorization: Bearer <eventsToken>`, ' +
      'instead of the X-Hub-Signature-256 it cannot compute (Process Automation trigger → workflow → data action). ' +
      'At least 24 characters; write-only. Never accepted on the message webhook.',
    minLength: 24,
    writeOnly: true,
  })
  @IsOptional()
  @IsString()
  @MinLength(24, { message: '$property must be at least 24 characters' })
  @MaxLength(256)
  eventsToken?: string;

  @ApiPropertyOptional({ description: 'Cap on calls to Genesys for this endpoint.', default: DEFAULT_RATE_LIMIT_PER_MINUTE, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  rateLimitPerMinute?: number;
}

export class GenesysCloudOpenMessagingView {
  @ApiProperty({ enum: [GENESYS_CLOUD_OPEN_MESSAGING] })
  type!: string;

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

  @ApiPropertyOptional({ description: 'True when an events token is set (the events route then also accepts it); absent otherwise.' })
  hasEventsToken?: boolean;

  @ApiProperty()
  rateLimitPerMinute!: number;
}

const trimSlashes = (url: string) => url.replace(/\/+$/, '');

export const genesysCloudOpenMessagingDefinition: ProviderDefinition<GenesysCloudOpenMessagingSpec, GenesysCloudOpenMessagingSettings> = {
  type: GENESYS_CLOUD_OPEN_MESSAGING,
  specClass: GenesysCloudOpenMessagingSpec,
  viewClass: GenesysCloudOpenMessagingView,
  secretFields: ['clientSecret', 'webhookSecret', 'eventsToken'],
  outboundUrls: (spec) => [
    ['apiBaseUrl', spec.apiBaseUrl],
    ['loginBaseUrl', spec.loginBaseUrl],
  ],
  resolve: (spec) => {
    const fromRegion = spec.region ? regionBaseUrls(spec.region) : undefined;
    return {
      type: spec.type,
      region: spec.region,
      apiBaseUrl: trimSlashes(spec.apiBaseUrl ?? fromRegion?.apiBaseUrl ?? ''),
      loginBaseUrl: trimSlashes(spec.loginBaseUrl ?? fromRegion?.loginBaseUrl ?? ''),
      clientId: spec.clientId,
      clientSecret: spec.clientSecret,
      integrationId: spec.integrationId,
      queueId: spec.queueId,
      webhookSecret: spec.webhookSecret,
      ...(spec.eventsToken ? { eventsToken: spec.eventsToken } : {}),
      rateLimitPerMinute: spec.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
    };
  },
  view: (settings) => ({
    type: settings.type,
    region: settings.region,
    apiBaseUrl: settings.apiBaseUrl,
    loginBaseUrl: settings.loginBaseUrl,
    clientId: settings.clientId,
    hasClientSecret: settings.clientSecret !== '',
    integrationId: settings.integrationId,
    queueId: settings.queueId,
    hasWebhookSecret: settings.webhookSecret !== '',
    ...(settings.eventsToken ? { hasEventsToken: true } : {}),
    rateLimitPerMinute: settings.rateLimitPerMinute,
  }),
  configUrl: (publicBaseUrl, endpointId) => `${publicBaseUrl}/webhooks/genesys/${endpointId}`,
};
