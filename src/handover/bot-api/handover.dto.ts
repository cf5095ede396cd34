import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { COGNIGY_URL_TOKEN } from '../../endpoints/dto/endpoint-spec.dto';
import { IsAttributeMap, IsHttpUrl } from '../../endpoints/dto/endpoint-validators';

/** Session, user and message ids from the bot platform: printable, no spaces, bounded. */
export const CLIENT_ID = /^[A-Za-z0-9._:@+=-]{1,128}$/;
const CLIENT_ID_MESSAGE = '$property must be 1-128 letters, digits or ._:@+=-';
export const MAX_TEXT_LENGTH = 10000;

export class CognigyRouteDto {
  @ApiProperty({
    description: "The Cognigy Endpoint (its URLToken, Cognigy's `input.URLToken`) that gets this handover's events.",
    example: 'b3a1c1f2d4e5',
  })
  @Matches(COGNIGY_URL_TOKEN, { message: '$property must be 1-128 letters, digits, "_" or "-"' })
  urlToken!: string;
}

export class UserProfileDto {
  @ApiPropertyOptional({ example: 'Ada' }) @IsOptional() @IsString() @MaxLength(128) nickname?: string;
  @ApiPropertyOptional({ example: 'Ada' }) @IsOptional() @IsString() @MaxLength(128) firstName?: string;
  @ApiPropertyOptional({ example: 'L' }) @IsOptional() @IsString() @MaxLength(128) lastName?: string;
  @ApiPropertyOptional({ example: 'ada@example.com' }) @IsOptional() @IsEmail() email?: string;
}

export class TranscriptEntryDto {
  @ApiProperty({ enum: ['user', 'bot', 'agent'] }) @IsIn(['user', 'bot', 'agent']) from!: 'user' | 'bot' | 'agent';
  @ApiProperty({ example: 'I want a human' }) @IsString() @MaxLength(MAX_TEXT_LENGTH) text!: string;
  @ApiPropertyOptional({ example: '2026-01-01T10:00:00Z' }) @IsOptional() @IsISO8601() time?: string;
}

export class StartHandoverDto {
  @ApiProperty({ example: 's-123' }) @Matches(CLIENT_ID, { message: CLIENT_ID_MESSAGE }) sessionId!: string;
  @ApiProperty({ example: 'u-42', description: 'Becomes the Genesys customer id (channel.from.id, idType Opaque).' })
  @Matches(CLIENT_ID, { message: CLIENT_ID_MESSAGE })
  userId!: string;

  @ApiPropertyOptional({ type: UserProfileDto }) @IsOptional() @ValidateNested() @Type(() => UserProfileDto) user?: UserProfileDto;

  @ApiPropertyOptional({ example: 'english', description: 'Falls back to the endpoint default.' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  language?: string;

  @ApiPropertyOptional({ type: [String], example: ['billing', 'escalation'] })
  @IsOptional()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(64, { each: true })
  skills?: string[];

  @ApiPropertyOptional({ type: 'integer', example: 5 }) @IsOptional() @IsInt() @Min(-25000000) @Max(25000000) priority?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { section: 'section A', region: 'Europe' } })
  @IsOptional()
  @IsAttributeMap()
  customAttributes?: Record<string, string>;

  @ApiPropertyOptional({
    type: [TranscriptEntryDto],
    description: 'The bot conversation so far; sent to the agent first (only the new part on a re-handover).',
  })
  @IsOptional()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => TranscriptEntryDto)
  transcript?: TranscriptEntryDto[];

  @ApiPropertyOptional({ example: 'I need help with my invoice', description: 'First message to the agent, after the transcript.' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_TEXT_LENGTH)
  text?: string;

  @ApiPropertyOptional({
    type: CognigyRouteDto,
    description:
      'For an endpoint with Cognigy callbacks: the Cognigy Endpoint of this handover (one connector endpoint can serve several).',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => CognigyRouteDto)
  cognigy?: CognigyRouteDto;
}

export class AttachmentDto {
  @ApiProperty({ example: 'https://cdn.example.com/photo.jpg' }) @IsHttpUrl() url!: string;
  @ApiProperty({ example: 'image/jpeg' })
  @Matches(/^[\w.+-]+\/[\w.+-]+$/, { message: '$property must be a MIME type like image/png' })
  mime!: string;
  @ApiPropertyOptional({ example: 'photo.jpg' }) @IsOptional() @IsString() @MaxLength(255) filename?: string;
}

function HasTextOrAttachments(): PropertyDecorator {
  return ValidateBy({
    name: 'hasTextOrAttachments',
    validator: {
      validate: (_: unknown, args) => {
        const dto = args?.object as UserMessageDto;
        return Boolean(dto.text) || (dto.attachments?.length ?? 0) > 0 || dto.quickReply !== undefined;
      },
      defaultMessage: () => 'text, attachments or quickReply must be given',
    },
  });
}

/** The user picked a quick reply (or a card button, or a date) of an agent message. */
export class QuickReplyDto {
  @ApiProperty({
    example: 'c327c2078ca056db130c55ce648d9fa2',
    description: 'The `data.messageId` of the agent.message that offered the choice.',
  })
  @IsString()
  @Matches(/^[\x21-\x7e]{1,256}$/, { message: '$property must be the data.messageId of an agent.message (1-256 printable characters)' })
  messageId!: string;

  @ApiProperty({ example: 'yes', description: 'The payload of the option picked.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_TEXT_LENGTH)
  payload!: string;

  @ApiProperty({ example: 'Yes', description: 'The label the user picked.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_TEXT_LENGTH)
  text!: string;
}

export class UserMessageDto {
  @ApiPropertyOptional({ example: 'm-1001', description: 'Client id of the message; a repeated id is accepted once (de-duplication).' })
  @IsOptional()
  @Matches(CLIENT_ID, { message: CLIENT_ID_MESSAGE })
  messageId?: string;

  @ApiPropertyOptional({ example: 'Here is my invoice' })
  @HasTextOrAttachments()
  // Not @IsOptional(): that would skip HasTextOrAttachments too, and accept `{}` or `{"text": null}` as a message.
  @ValidateIf((o: UserMessageDto) => o.text !== undefined || (!o.attachments?.length && o.quickReply === undefined))
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  text?: string;

  @ApiPropertyOptional({ type: [AttachmentDto] })
  @IsOptional()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => AttachmentDto)
  attachments?: AttachmentDto[];

  @ApiPropertyOptional({
    type: QuickReplyDto,
    description:
      'The user picked a quick reply or button of an agent message: Genesys gets an inbound structured response. ' +
      '`text` may then be left out (a different text is sent after it as a message).',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => QuickReplyDto)
  quickReply?: QuickReplyDto;
}

export class AvailabilityQueryDto {
  @ApiPropertyOptional({ example: 'billing,escalation', description: 'Comma-separated skills.' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  skills?: string;

  @ApiPropertyOptional({ example: 'english' }) @IsOptional() @IsString() @MaxLength(64) language?: string;
}

export class HandoverView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['requested', 'queued', 'active', 'ended'] }) state!: string;
  @ApiPropertyOptional({
    enum: ['agent_ended', 'customer_ended', 'bot_released', 'inactivity_timeout', 'queue_timeout', 'admin_released', 'provider_error'],
  })
  reason?: string;
  @ApiPropertyOptional() conversationId?: string;
  @ApiPropertyOptional() agent?: { name?: string };
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional() queuedAt?: string;
  @ApiPropertyOptional() activeAt?: string;
  @ApiPropertyOptional() endedAt?: string;
}

export class SessionView {
  @ApiProperty() sessionId!: string;
  @ApiProperty() userId!: string;
  @ApiPropertyOptional({ type: HandoverView, nullable: true }) handover!: HandoverView | null;
}

export class AcceptedView {
  @ApiProperty() sessionId!: string;
  @ApiProperty() handoverId!: string;
  @ApiProperty() state!: string;
}
