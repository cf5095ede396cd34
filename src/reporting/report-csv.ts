import { END_REASONS } from '../handover/domain/handover.model';
import type { GroupDimension, HandoverReport, IntervalMetrics } from './report-aggregate';

type Cell = string | number | boolean | null | undefined;

/** RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break. */
export function toCsv(header: readonly string[], rows: readonly Cell[][]): string {
  const field = (value: Cell) => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}

const DISTRIBUTIONS = ['tAnswerSeconds', 'tQueueWaitSeconds', 'tHandleSeconds'] as const;
const COUNTS = [
  'nRequested',
  'nQueued',
  'nAnswered',
  'nAbandonedInQueue',
  'nQueueTimeout',
  'nTransfers',
  'nReHandover',
  'nDeliveryFailures',
] as const;

/** The metric columns of the report CSV: the JSON's metric paths joined with dots (every end reason has one). */
export const METRIC_COLUMNS: readonly string[] = [
  ...COUNTS,
  ...END_REASONS.map((r) => `endReasons.${r}`),
  ...DISTRIBUTIONS.flatMap((d) => ['count', 'p50', 'p90', 'max'].map((s) => `${d}.${s}`)),
  ...['thresholdSeconds', 'numerator', 'denominator', 'ratio'].map((s) => `serviceLevel.${s}`),
];

/** One interval's metrics, flattened to METRIC_COLUMNS (an end reason that did not occur is 0). */
export function flattenMetrics(metrics: IntervalMetrics): Cell[] {
  return [
    ...COUNTS.map((c) => metrics[c]),
    ...END_REASONS.map((r) => metrics.endReasons[r] ?? 0),
    ...DISTRIBUTIONS.flatMap((d) => [metrics[d].count, metrics[d].p50, metrics[d].p90, metrics[d].max]),
    metrics.serviceLevel.thresholdSeconds,
    metrics.serviceLevel.numerator,
    metrics.serviceLevel.denominator,
    metrics.serviceLevel.ratio,
  ];
}

/** The report as CSV: one row per group and interval; the group's dimensions first, then `interval`, then the metrics. */
export function reportCsv(report: HandoverReport, groupBy: readonly GroupDimension[]): string {
  const rows = report.groups.flatMap((g) =>
    g.data.map((d) => [...groupBy.map((dim) => g.group[dim]), d.interval, ...flattenMetrics(d.metrics)]),
  );
  return toCsv([...groupBy, 'interval', ...METRIC_COLUMNS], rows);
}
