import { BadRequestException } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ENDPOINT_ID } from '../endpoints/dto/endpoint-spec.dto';
import { GRANULARITY_MS, GROUP_DIMENSIONS, GroupDimension, Granularity, ReportQuery } from './report-aggregate';

const DAY_MS = 86_400_000;
/** The longest interval one query may span. */
export const MAX_INTERVAL_DAYS = 92;
/** The most intervals (rows per group) one query may produce. */
export const MAX_INTERVALS = 5000;
export const GRANULARITIES = Object.keys(GRANULARITY_MS) as Granularity[];
export const FORMATS = ['json', 'csv'] as const;

/** The filters shared by the aggregate report and the detail rows. */
export class ReportFilterDto {
  @ApiPropertyOptional({
    description: 'Start of the interval, ISO-8601 (inclusive). Default: `to` minus 24 h.',
    example: '2026-05-01T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO-8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ description: 'End of the interval, ISO-8601 (exclusive). Default: now.', example: '2026-05-02T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO-8601 date-time' })
  to?: string;

  @ApiPropertyOptional({ description: 'Only this endpoint.', example: 'acme-support' })
  @IsOptional()
  @Matches(ENDPOINT_ID, { message: 'endpointId must be 1-64 lowercase letters, digits or "-"' })
  endpointId?: string;

  @ApiPropertyOptional({ enum: FORMATS, description: 'csv: the same answer as CSV (as with `Accept: text/csv`).' })
  @IsOptional()
  @IsIn(FORMATS, { message: `format must be one of ${FORMATS.join(', ')}` })
  format?: (typeof FORMATS)[number];
}

export class ReportQueryDto extends ReportFilterDto {
  @ApiPropertyOptional({ description: `Comma list of ${GROUP_DIMENSIONS.join(', ')}.`, example: 'endpointId,routingKey' })
  @IsOptional()
  @IsString({ message: 'groupBy must be one comma-separated list' })
  @MaxLength(200)
  groupBy?: string;

  @ApiPropertyOptional({ enum: GRANULARITIES, description: 'Interval length; absent: one interval for the whole range.' })
  @IsOptional()
  @IsIn(GRANULARITIES, { message: `granularity must be one of ${GRANULARITIES.join(', ')}` })
  granularity?: Granularity;
}

export class DetailsQueryDto extends ReportFilterDto {
  @ApiPropertyOptional({ description: 'Rows per page, 1 to 1000.', default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer between 1 and 1000' })
  @Min(1, { message: 'limit must be an integer between 1 and 1000' })
  @Max(1000, { message: 'limit must be an integer between 1 and 1000' })
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** from/to with their defaults and cross-checks; every problem is a 400 naming the parameter. */
export function parseInterval(dto: ReportFilterDto, now = Date.now()): { from: number; to: number } {
  const to = dto.to ? Date.parse(dto.to) : now;
  const from = dto.from ? Date.parse(dto.from) : to - DAY_MS;
  const problems: string[] = [];
  if (!Number.isFinite(to)) problems.push('to must be an ISO-8601 date-time');
  if (!Number.isFinite(from)) problems.push('from must be an ISO-8601 date-time');
  if (problems.length === 0 && from >= to) problems.push('from must be before to');
  if (problems.length === 0 && to - from > MAX_INTERVAL_DAYS * DAY_MS)
    problems.push(`from and to must be at most ${MAX_INTERVAL_DAYS} days apart`);
  if (problems.length) throw new BadRequestException(problems);
  return { from, to };
}

export function parseReportQuery(dto: ReportQueryDto, now = Date.now()): ReportQuery {
  const { from, to } = parseInterval(dto, now);
  const groupBy: GroupDimension[] = [];
  const problems: string[] = [];
  for (const raw of (dto.groupBy ?? '').split(',')) {
    const dimension = raw.trim();
    if (!dimension) continue;
    if (!(GROUP_DIMENSIONS as readonly string[]).includes(dimension)) {
      problems.push(`groupBy has an unknown dimension "${dimension}" (one of ${GROUP_DIMENSIONS.join(', ')})`);
    } else if (!groupBy.includes(dimension as GroupDimension)) {
      groupBy.push(dimension as GroupDimension);
    }
  }
  const granularity = dto.granularity ?? null;
  if (granularity && Math.ceil((to - from) / GRANULARITY_MS[granularity]) > MAX_INTERVALS) {
    problems.push(`granularity ${granularity} gives more than ${MAX_INTERVALS} intervals between from and to`);
  }
  if (problems.length) throw new BadRequestException(problems);
  return { from, to, endpointId: dto.endpointId, groupBy, granularity };
}

/** A position in the detail rows: after the row requested at `at` with this handover id. */
export interface DetailsCursor {
  at: number;
  handoverId: string;
}

export function encodeCursor(cursor: DetailsCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.handoverId])).toString('base64url');
}

export function decodeCursor(raw: string): DetailsCursor {
  try {
    const [at, handoverId] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'number' && Number.isFinite(at) && typeof handoverId === 'string' && handoverId) return { at, handoverId };
  } catch {
    // answered below
  }
  throw new BadRequestException(['cursor is not a nextCursor of this listing']);
}
