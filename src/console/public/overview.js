// Overview: live gauges, the period's key figures and four charts, all from the reports API.
import { api, query } from './api.js';
import { el, failed, formatPercent, formatSeconds, latestOnly, table } from './ui.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const END_REASONS = [
  'agent_ended',
  'customer_ended',
  'bot_released',
  'inactivity_timeout',
  'queue_timeout',
  'admin_released',
  'provider_error',
];
const COLORS = { requested: '#1d4ed8', answered: '#15803d', abandoned: '#b91c1c', timeout: '#d97706', p50: '#1d4ed8', p90: '#7c3aed' };
const LIVE_EVERY_MS = 10_000;
const REPORT_EVERY_MS = 60_000;

/** The period's interval and buckets: whole hours (or days) up to the current one. */
function period(kind, now = Date.now()) {
  if (kind === 'week') {
    const today = new Date(now);
    today.setHours(0, 0, 0, 0);
    return { from: today.getTime() - 6 * DAY, to: today.getTime() + DAY, granularity: 'P1D', word: 'day', title: 'Last 7 days' };
  }
  const hour = Math.floor(now / HOUR) * HOUR;
  return { from: hour - 23 * HOUR, to: hour + HOUR, granularity: 'PT1H', word: 'hour', title: 'Last 24 hours' };
}

const hourLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayLabel = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: '2-digit' });

function chartOptions(extra = {}) {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'index', intersect: false },
    plugins: { legend: { position: 'bottom' } },
    ...extra,
  };
}

/** The four charts: each a figure with its caption, a described canvas and a data table of the same numbers. */
const CHARTS = [
  { id: 'chart-volume', caption: ['Handovers per ', 'bucket', ''], label: 'Bar chart of handovers requested, answered and abandoned' },
  {
    id: 'chart-answer',
    caption: ['Time to answer, p50 and p90 (seconds)'],
    label: 'Line chart of the time to answer, median and 90th percentile',
  },
  {
    id: 'chart-abandon',
    caption: ['Abandonment (% of queued)'],
    label: 'Line chart of the share of queued handovers abandoned or timed out',
  },
  { id: 'chart-reasons', caption: ['End reasons'], label: 'Bar chart of how handovers ended' },
];

function chartFigures() {
  return CHARTS.map(({ id, caption: [before, bucket, after], label }) =>
    el(
      'figure',
      { class: 'card chart', id },
      el('figcaption', {}, before, bucket ? el('span', { class: 'bucket-word', text: 'hour' }) : null, after),
      el('div', { class: 'canvas-box' }, el('canvas', { role: 'img', 'aria-label': label })),
      el('details', {}, el('summary', { text: 'Data table' }), el('div', { class: 'table-wrap' })),
    ),
  );
}

export function createOverview({ endpointSelect }) {
  document.getElementById('charts').replaceChildren(...chartFigures());
  const form = document.getElementById('overview-filters');
  const periodSelect = document.getElementById('overview-period');
  const charts = {};
  let liveTimer;
  let reportTimer;
  let lastReport;
  const startReport = latestOnly();

  function chart(id, config) {
    if (!charts[id]) charts[id] = new window.Chart(document.querySelector(`#${id} canvas`), config);
    return charts[id];
  }

  function dataTable(id, columns, rows) {
    document
      .querySelector(`#${id} .table-wrap`)
      .replaceChildren(table(columns, rows, { caption: document.querySelector(`#${id} figcaption`).textContent }));
  }

  async function refreshLive() {
    try {
      const live = await api('/admin/v1/reports/handovers/live');
      const endpointId = endpointSelect.value;
      const counts = endpointId
        ? (live.endpoints.find((e) => e.endpointId === endpointId) ?? { requested: 0, queued: 0, active: 0 })
        : live.totals;
      for (const state of ['requested', 'queued', 'active']) document.getElementById(`live-${state}`).textContent = String(counts[state]);
    } catch (err) {
      failed(err);
    }
  }

  async function refreshReport() {
    const p = period(periodSelect.value);
    const endpointId = endpointSelect.value || undefined;
    const base = { from: new Date(p.from).toISOString(), to: new Date(p.to).toISOString(), endpointId };
    const current = startReport();
    try {
      const [bucketed, whole] = await Promise.all([
        api(`/admin/v1/reports/handovers${query({ ...base, granularity: p.granularity })}`),
        api(`/admin/v1/reports/handovers${query(base)}`),
      ]);
      if (!current()) return;
      lastReport = base;
      render(p, bucketed.groups[0]?.data ?? [], whole.groups[0]?.data[0]?.metrics);
      document.getElementById('overview-updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      failed(err);
    }
  }

  function render(p, buckets, totals) {
    document.getElementById('period-title').textContent = p.title;
    for (const node of document.querySelectorAll('.bucket-word')) node.textContent = p.word;
    const labels = buckets.map((b) => (p.word === 'hour' ? hourLabel : dayLabel).format(new Date(b.interval.split('/')[0])));
    const m = buckets.map((b) => b.metrics);

    if (totals) {
      const abandonRate = totals.nQueued ? totals.nAbandonedInQueue / totals.nQueued : null;
      document.getElementById('kpi-requested').textContent = String(totals.nRequested);
      document.getElementById('kpi-answered').textContent = String(totals.nAnswered);
      document.getElementById('kpi-abandoned').textContent = `${totals.nAbandonedInQueue} (${formatPercent(abandonRate)})`;
      document.getElementById('kpi-service-level').textContent = formatPercent(totals.serviceLevel.ratio);
      const threshold = totals.serviceLevel.thresholdSeconds;
      document.getElementById('kpi-service-level-label').textContent =
        threshold === null ? 'Service level (thresholds differ)' : `Service level (answered in ${threshold} s)`;
      document.getElementById('kpi-answer').textContent =
        `${formatSeconds(totals.tAnswerSeconds.p50)} / ${formatSeconds(totals.tAnswerSeconds.p90)}`;
      document.getElementById('kpi-handle').textContent = formatSeconds(totals.tHandleSeconds.p50);
    }

    const volume = chart('chart-volume', {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: chartOptions({ scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }),
    });
    volume.data.labels = labels;
    volume.data.datasets = [
      { label: 'Requested', data: m.map((x) => x.nRequested), backgroundColor: COLORS.requested },
      { label: 'Answered', data: m.map((x) => x.nAnswered), backgroundColor: COLORS.answered },
      { label: 'Abandoned in queue', data: m.map((x) => x.nAbandonedInQueue), backgroundColor: COLORS.abandoned },
      { label: 'Queue timeouts', data: m.map((x) => x.nQueueTimeout), backgroundColor: COLORS.timeout },
    ];
    volume.update();
    dataTable(
      'chart-volume',
      [
        { label: p.word === 'hour' ? 'Hour' : 'Day', cell: (r) => r.label },
        { label: 'Requested', num: true, cell: (r) => r.m.nRequested },
        { label: 'Answered', num: true, cell: (r) => r.m.nAnswered },
        { label: 'Abandoned', num: true, cell: (r) => r.m.nAbandonedInQueue },
        { label: 'Queue timeouts', num: true, cell: (r) => r.m.nQueueTimeout },
      ],
      m.map((x, i) => ({ label: labels[i], m: x })),
    );

    const answer = chart('chart-answer', {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: chartOptions({ spanGaps: true, scales: { y: { beginAtZero: true } } }),
    });
    answer.data.labels = labels;
    answer.data.datasets = [
      { label: 'p50', data: m.map((x) => x.tAnswerSeconds.p50), borderColor: COLORS.p50, backgroundColor: COLORS.p50 },
      { label: 'p90', data: m.map((x) => x.tAnswerSeconds.p90), borderColor: COLORS.p90, backgroundColor: COLORS.p90 },
    ];
    answer.update();
    dataTable(
      'chart-answer',
      [
        { label: p.word === 'hour' ? 'Hour' : 'Day', cell: (r) => r.label },
        { label: 'Answered', num: true, cell: (r) => r.m.tAnswerSeconds.count },
        { label: 'p50', num: true, cell: (r) => formatSeconds(r.m.tAnswerSeconds.p50) },
        { label: 'p90', num: true, cell: (r) => formatSeconds(r.m.tAnswerSeconds.p90) },
        { label: 'max', num: true, cell: (r) => formatSeconds(r.m.tAnswerSeconds.max) },
      ],
      m.map((x, i) => ({ label: labels[i], m: x })),
    );

    const rate = (x) => (x.nQueued ? Math.round(((x.nAbandonedInQueue + x.nQueueTimeout) / x.nQueued) * 1000) / 10 : null);
    const abandon = chart('chart-abandon', {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: chartOptions({ spanGaps: true, scales: { y: { beginAtZero: true, suggestedMax: 100 } } }),
    });
    abandon.data.labels = labels;
    abandon.data.datasets = [
      { label: 'Abandoned or timed out, % of queued', data: m.map(rate), borderColor: COLORS.abandoned, backgroundColor: COLORS.abandoned },
    ];
    abandon.update();
    dataTable(
      'chart-abandon',
      [
        { label: p.word === 'hour' ? 'Hour' : 'Day', cell: (r) => r.label },
        { label: 'Queued', num: true, cell: (r) => r.m.nQueued },
        { label: 'Abandoned', num: true, cell: (r) => r.m.nAbandonedInQueue },
        { label: 'Queue timeouts', num: true, cell: (r) => r.m.nQueueTimeout },
        { label: '% of queued', num: true, cell: (r) => (rate(r.m) === null ? '–' : `${rate(r.m)} %`) },
      ],
      m.map((x, i) => ({ label: labels[i], m: x })),
    );

    const reasons = END_REASONS.map((reason) => ({ reason, count: totals?.endReasons[reason] ?? 0 }));
    const ended = chart('chart-reasons', {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: chartOptions({
        indexAxis: 'y',
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      }),
    });
    ended.data.labels = reasons.map((r) => r.reason);
    ended.data.datasets = [{ label: 'Handovers', data: reasons.map((r) => r.count), backgroundColor: COLORS.requested }];
    ended.update();
    dataTable(
      'chart-reasons',
      [
        { label: 'End reason', cell: (r) => r.reason },
        { label: 'Handovers', num: true, cell: (r) => r.count },
      ],
      reasons,
    );
  }

  async function downloadCsv() {
    if (!lastReport) return;
    try {
      const p = period(periodSelect.value);
      const csv = await api(
        `/admin/v1/reports/handovers${query({ ...lastReport, granularity: p.granularity, groupBy: 'endpointId,routingKey,language' })}`,
        {
          accept: 'text/csv',
        },
      );
      const link = el('a', {
        href: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })),
        download: `handovers-${lastReport.from.slice(0, 10)}.csv`,
      });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (err) {
      failed(err);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void refreshLive();
    void refreshReport();
  });
  endpointSelect.addEventListener('change', () => form.requestSubmit());
  periodSelect.addEventListener('change', () => form.requestSubmit());
  document.getElementById('overview-csv').addEventListener('click', () => void downloadCsv());

  return {
    async show() {
      await Promise.all([refreshLive(), refreshReport()]);
      liveTimer = setInterval(() => void refreshLive(), LIVE_EVERY_MS);
      reportTimer = setInterval(() => void refreshReport(), REPORT_EVERY_MS);
    },
    hide() {
      clearInterval(liveTimer);
      clearInterval(reportTimer);
    },
  };
}
