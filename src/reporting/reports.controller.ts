import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminApi } from '../auth/admin-api.decorator';
import type { HandoverReport } from './report-aggregate';
import { reportCsv, toCsv } from './report-csv';
import { decodeCursor, DetailsQueryDto, parseInterval, parseReportQuery, ReportQueryDto } from './report-query';
import { DETAIL_COLUMNS, HandoverDetail, LiveHandovers, ReportsService } from './reports.service';

/** `format=csv` or an Accept header that prefers text/csv over JSON. */
function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  return /(^|,)\s*text\/csv/i.test(accept ?? '') && !/(^|,)\s*application\/json/i.test(accept ?? '');
}

/** Sets the CSV headers and hands the text back for Nest to send. */
function asCsv(res: FastifyReply, name: string, csv: string): string {
  res.header('Content-Type', 'text/csv; charset=utf-8');
  res.header('Content-Disposition', `attachment; filename="${name}.csv"`);
  return csv;
}

const stamp = (iso: string) => iso.replace(/[:.]/g, '-');

@AdminApi('admin: reports')
@Controller('admin/v1/reports/handovers')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get()
  @ApiOperation({
    summary: 'Handover analytics: counts, answer/queue/handle times, service level and end reasons, grouped and bucketed',
    description:
      'Answered from the handover facts the connector recorded (docs/reporting.md defines every metric). Each metric ' +
      'counts in the interval where its event happened (requested at requestedAt, answered at answeredAt, ended at ' +
      'endedAt). Durations in seconds; percentiles by nearest rank. `Accept: text/csv` or `format=csv`: the same as CSV.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ description: '`{ from, to, granularity, groups: [ { group, data: [ { interval, metrics } ] } ] }`' })
  @ApiBadRequestResponse({ description: 'A bad parameter; the message names it.' })
  @ApiNotFoundResponse({ description: 'Unknown endpointId.' })
  async report(
    @Query() dto: ReportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<HandoverReport | string> {
    const query = parseReportQuery(dto);
    const report = await this.reports.report(query);
    if (!wantsCsv(dto.format, accept)) return report;
    return asCsv(res, `handovers-${stamp(report.from)}-${stamp(report.to)}`, reportCsv(report, query.groupBy));
  }

  @Get('details')
  @ApiOperation({
    summary: 'One row per handover requested in the interval (dimensions, timestamps, reason, counters; never message text)',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ description: '`{ items: [ … ], nextCursor: "…" | null }`; CSV: the rows of this page' })
  @ApiBadRequestResponse({ description: 'A bad parameter; the message names it.' })
  @ApiNotFoundResponse({ description: 'Unknown endpointId.' })
  async details(
    @Query() dto: DetailsQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<{ items: HandoverDetail[]; nextCursor: string | null } | string> {
    const interval = parseInterval(dto);
    const cursor = dto.cursor ? decodeCursor(dto.cursor) : undefined;
    const page = await this.reports.details({ ...interval, endpointId: dto.endpointId }, dto.limit ?? 100, cursor);
    if (!wantsCsv(dto.format, accept)) return page;
    if (page.nextCursor) res.header('X-Next-Cursor', page.nextCursor);
    return asCsv(
      res,
      `handover-details-${stamp(new Date(interval.from).toISOString())}`,
      toCsv(
        DETAIL_COLUMNS,
        page.items.map((item) => DETAIL_COLUMNS.map((c) => item[c])),
      ),
    );
  }

  @Get('live')
  @ApiOperation({ summary: 'Handovers live now, per endpoint and state (requested, queued, active), for the whole fleet' })
  @ApiOkResponse({ description: '`{ time, endpoints: [ { endpointId, provider, requested, queued, active } ], totals }`' })
  live(): Promise<LiveHandovers> {
    return this.reports.live();
  }
}
