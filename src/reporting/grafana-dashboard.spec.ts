import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetricsService } from '../infrastructure/metrics/metrics.service';

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { name: string; options?: { value: string }[] }[] };
}

const dashboard = JSON.parse(readFileSync(join(__dirname, '../../docs/grafana-dashboard.json'), 'utf8')) as Dashboard;
const metrics = new Map(
  new MetricsService().registry.getMetricsAsArray().map((m) => [m.name, m as unknown as { labelNames: string[]; upperBounds?: number[] }]),
);
const base = (series: string) => series.replace(/_(bucket|count|sum)$/, '');

describe('docs/grafana-dashboard.json', () => {
  const queries = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr })));

  it('queries only series the connector exposes, by labels they have', () => {
    expect(queries.length).toBeGreaterThan(10);
    for (const { panel, expr } of queries) {
      for (const [selector, series, matchers] of expr.matchAll(/(hc_[a-z_]+)\{([^}]*)\}/g)) {
        const metric = metrics.get(base(series));
        expect({ panel, selector, known: metric !== undefined }).toEqual({ panel, selector, known: true });
        const allowed = [...metric!.labelNames, ...(series.endsWith('_bucket') ? ['le'] : [])];
        for (const [, label] of matchers.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g))
          expect({ selector, label, allowed: allowed.includes(label) }).toMatchObject({ allowed: true });
      }
      for (const [, labels] of expr.matchAll(/by \(([^)]*)\)/g)) {
        const series = base(/hc_[a-z_]+/.exec(expr)![0]);
        const allowed = [...metrics.get(series)!.labelNames, 'le'];
        for (const label of labels.split(',').map((l) => l.trim()))
          expect({ expr, label, allowed: allowed.includes(label) }).toMatchObject({ allowed: true });
      }
    }
  });

  it('offers only service-level thresholds that are bucket boundaries of the histograms it divides', () => {
    const thresholds = dashboard.templating.list.find((v) => v.name === 'sl')!.options!.map((o) => Number(o.value));
    for (const histogram of ['hc_handover_time_to_answer_seconds', 'hc_handover_abandon_wait_seconds']) {
      for (const t of thresholds) expect(metrics.get(histogram)!.upperBounds).toContain(t);
    }
  });
});
