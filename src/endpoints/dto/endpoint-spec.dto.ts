import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { HasExactlyOneBotTarget, IsAbsentWith, IsAttributeMap, IsHttpUrl } from './endpoint-validators';

export const ENDPOINT_ID = /^[a-z0-9-]{1,64}$/;
const WEEK_SECONDS = 7 * 24 * 3600;

/*
 * An endpoint as the operator describes it (admin API body, one entry of ENDPOINTS_FILE). Stored as given, with
 * secrets sealed; defaults and region URLs are applied when it is read (see endpoint-record.ts), so a later PATCH
 * of `region` still takes effect.
 */

/** Cognigy's URLToken: an Endpoint's public identifier (it is part of every Webchat embed), not a secret. */
export const COGNIGY_URL_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
const URL_TOKEN_MESSAGE = '$property must be 1-128 letters, digits, "_" or "-"';

/**
 * Cognigy's Notify and Inject APIs, in one of two forms: the Endpoint's own URLs (`notifyUrl`, `injectUrl`), or the
 * REST API (`apiBaseUrl` with `apiKey` and `urlToken`). `notifyUrl` with `apiKey` is the REST API's notify URL.
 */
export class CognigyNotifySpec {
  @ApiPropertyOptional({
    description:
      'Cognigy Notify URL: `https://endpoint-<env>.cognigy.ai/notify/<URLToken>`, or the REST API notify URL when ' +
      '`apiKey` is set. Exactly one of `notifyUrl` or `apiBaseUrl`.',
  })
  @ValidateIf((cognigy: CognigyNotifySpec) => cognigy.apiBaseUrl == null)
  @IsHttpUrl()
  notifyUrl?: string;

  @ApiPropertyOptional({
    description:
      'Cognigy Inject URL; derived from `notifyUrl` when absent (`/notify/` → `/inject/`, `/endpoint/notify` → `/endpoint/inject`).',
  })
  @IsOptional()
  @IsHttpUrl()
  injectUrl?: string;

  @ApiPropertyOptional({
    description: 'REST API form: `https://api-<env>.cognigy.ai`; the connector calls `/new/v2.0/endpoint/notify` and `/inject`.',
  })
  @IsOptional()
  @IsHttpUrl()
  @IsAbsentWith('notifyUrl')
  apiBaseUrl?: string;

  @ApiPropertyOptional({ description: 'REST API form: sent as X-API-Key; required with `apiBaseUrl`. Write-only.', writeOnly: true })
  @ValidateIf((cognigy: CognigyNotifySpec) => cognigy.apiBaseUrl != null || cognigy.apiKey !== undefined)
  @IsString()
  @IsNotEmpty()
  apiKey?: string;

  @ApiPropertyOptional({
    description: 'REST API form: the Endpoint URLToken sent in the body (a handover may name another: `cognigy.urlToken`).',
  })
  @IsOptional()
  @Matches(COGNIGY_URL_TOKEN, { message: URL_TOKEN_MESSAGE })
  urlToken?: string;
}

export class BotSpec {
  @ApiPropertyOptional({
    description: 'Standard Webhooks callback receiving agent events. Exactly one of `callbackUrl` or `cognigy`.',
    example: 'https://bot.example.com/handover-events',
  })
  @IsOptional()
  @IsHttpUrl()
  callbackUrl?: string;

  @ApiPropertyOptional({
    description: 'Signs callbacks (webhook-signature). At least 24 characters; required with `callbackUrl`. Write-only.',
    minLength: 24,
    writeOnly: true,
  })
  @ValidateIf((bot: BotSpec) => bot.callbackUrl != null)
  @IsString()
  @MinLength(24, { message: '$property must be at least 24 characters' })
  callbackSecret?: string;

  @ApiPropertyOptional({ type: CognigyNotifySpec, description: 'Cognigy Notify API instead of a callback.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CognigyNotifySpec)
  cognigy?: CognigyNotifySpec;
}

/**
 * The `provider` body: its `type` picks the provider's own DTO (src/contact-center/<provider>), which
 * parseEndpointSpec validates; OpenAPI shows the choice as a `oneOf` (see documentProviders).
 */
export class ProviderSpec {
  @ApiProperty({ description: 'The contact-center provider; the other fields depend on it.', example: 'genesys-cloud-open-messaging' })
  @IsString()
  type!: string;
}

export class HandoverDefaultsSpec {
  @ApiPropertyOptional({ example: 'english' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  language?: string;

  @ApiPropertyOptional({ type: [String], example: ['escalation'] })
  @IsOptional()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  skills?: string[];

  @ApiPropertyOptional({ type: 'integer', example: 1 })
  @IsOptional()
  @IsInt()
  priority?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 256 },
    description: 'Routing attributes; keys match [A-Za-z0-9_.-]{1,64}, values at most 256 characters.',
    example: { region: 'Europe' },
  })
  @IsOptional()
  @IsAttributeMap()
  customAttributes?: Record<string, string>;

  @ApiPropertyOptional({
    type: 'integer',
    default: 1800,
    description: 'End an active handover after this long without a message. 0 disables.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(WEEK_SECONDS)
  inactivityTimeoutSeconds?: number;

  @ApiPropertyOptional({
    type: 'integer',
    default: 1800,
    description: 'End a handover still waiting for an agent after this long. 0 disables.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(WEEK_SECONDS)
  queueTimeoutSeconds?: number;

  @ApiPropertyOptional({ type: 'integer', default: 30, description: 'How often the queue position is sent while waiting. 0 disables.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3600)
  queueUpdateIntervalSeconds?: number;

  @ApiPropertyOptional({
    type: 'integer',
    default: 60,
    description:
      'Service-level threshold of the handover reports: a handover answered within this many seconds of the request counts as answered in time.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(WEEK_SECONDS)
  serviceLevelSeconds?: number;
}

export class EndpointSpec {
  @ApiPropertyOptional({ description: 'Generated when absent.', pattern: ENDPOINT_ID.source, example: 'acme-support' })
  @IsOptional()
  @Matches(ENDPOINT_ID, { message: '$property must be 1-64 lowercase letters, digits or "-"' })
  id?: string;

  @ApiPropertyOptional({ description: 'Display name; defaults to the id.', example: 'ACME support bot' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiProperty({ type: BotSpec })
  @IsDefined()
  @HasExactlyOneBotTarget()
  @ValidateNested()
  @Type(() => BotSpec)
  bot!: BotSpec;

  @ApiProperty({ type: ProviderSpec })
  @IsDefined()
  @IsObject()
  provider!: ProviderSpec & Record<string, unknown>;

  @ApiPropertyOptional({ type: HandoverDefaultsSpec, description: 'Used for every field a handover request leaves out.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => HandoverDefaultsSpec)
  handoverDefaults?: HandoverDefaultsSpec;
}

/** Only documents the PATCH body: it is a JSON merge patch, validated after merging (see EndpointsService.update). */
export class EndpointPatch extends PartialType(EndpointSpec) {}
