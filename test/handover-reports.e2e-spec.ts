import request from 'supertest';
import { METRIC_COLUMNS, flattenMetrics } from '../src/reporting/report-csv';
import { createHandoverFixture, HandoverFixture } from './support/handover-fixture';
import { HandoverScript, playKnownOutcomes } from './support/handover-script';
import { createMcxFixture, MCX_CHANNEL_ID, McxFixture } from './support/mcx-fixture';
import { TEST_ADMIN_TOKEN } from './support/test-app';
import { eventually } from './support/wait-for-jobs';

/** A small RFC 4180 reader (quoted fields, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted || (c !== ',' && c !== '\n' && c !== '\r')) {
      field += c;
    } else if (c === ',' || c === '\n') {
      row.push(field);
      field = '';
      if (c === '\n') {
        rows.push(row);
        row = [];
      }
    }
  }
  return rows;
}

const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));

describe('handover reports: facts recorded through the Genesys emulator', () => {
  let f: HandoverFixture;
  let played: Awaited<ReturnType<typeof playKnownOutcomes>>;
  let midway: { live: any; metrics: string };
  let window: { from: string; to: string };
  const admin = (path: string) => request(f.t.app.getHttpServer()).get(path).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
  const report = (query = '') => admin(`/admin/v1/reports/handovers?from=${window.from}&to=${window.to}${query}`);

  beforeAll(async () => {
    f = await createHandoverFixture({
      handoverDefaults: { queueUpdateIntervalSeconds: 0, queueTimeoutSeconds: 4, serviceLevelSeconds: 2 },
      env: { DELIVERY_ATTEMPTS: '2' },
    });
    played = await playKnownOutcomes(f, {
      midway: async () => {
        const [live, metrics] = await Promise.all([
          admin('/admin/v1/reports/handovers/live'),
          request(f.t.app.getHttpServer()).get('/metrics'),
        ]);
        midway = { live: live.body, metrics: metrics.text };
      },
    });
    window = { from: new Date(played.origin - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
  });

  afterAll(async () => {
    await f.close();
  });

  it('counts the funnel, the end reasons, transfers, re-handovers and delivery failures', async () => {
    const res = await report().expect(200);
    expect(res.body).toMatchObject({ from: window.from, to: window.to, granularity: null });
    expect(res.body.groups).toHaveLength(1);
    const [group] = res.body.groups;
    expect(group.group).toEqual({});
    expect(group.data).toHaveLength(1);
    expect(group.data[0].interval).toBe(`${window.from}/${window.to}`);
    expect(group.data[0].metrics).toMatchObject({
      nRequested: 5,
      nQueued: 5,
      nAnswered: 2,
      nAbandonedInQueue: 1,
      nQueueTimeout: 1,
      nTransfers: 1,
      nReHandover: 1,
      nDeliveryFailures: 1,
      endReasons: { agent_ended: 1, bot_released: 2, queue_timeout: 1, admin_released: 1 },
      // Answered within 2 s: `answered` only; the denominator adds `abandoned`, which waited 2.5 s.
      serviceLevel: { thresholdSeconds: 2, numerator: 1, denominator: 3, ratio: 0.333 },
    });
  });

  it('measures answer, queue and handle times (nearest-rank p50/p90, max) within tolerance', async () => {
    const { metrics } = (await report().expect(200)).body.groups[0].data[0];
    // The connector stamps each event when it learns of it: a little after the test acted (the notification's
    // trip), and a request a little after the test sent it.
    const within = (actual: number, expected: number) => {
      expect(actual).toBeGreaterThanOrEqual(expected - 0.3);
      expect(actual).toBeLessThanOrEqual(expected + 0.8);
    };
    const answerA = (played.answered.answeredAt - played.answered.at) / 1000;
    const answerT = (played.transferred.answeredAt - played.transferred.at) / 1000;
    expect(metrics.tAnswerSeconds.count).toBe(2);
    within(metrics.tAnswerSeconds.p50, answerA); // ≈ 1 s
    within(metrics.tAnswerSeconds.p90, answerT); // ≈ 3 s
    expect(metrics.tAnswerSeconds.max).toBe(metrics.tAnswerSeconds.p90);
    // Genesys queues at once, so the queue wait is the answer time less the opening's trip.
    expect(metrics.tQueueWaitSeconds.count).toBe(2);
    expect(metrics.tQueueWaitSeconds.p50).toBeLessThanOrEqual(metrics.tAnswerSeconds.p50);
    expect(metrics.tQueueWaitSeconds.p50).toBeGreaterThan(metrics.tAnswerSeconds.p50 - 0.5);
    expect(metrics.tHandleSeconds.count).toBe(2);
    // `answered`: the agent ends 1 s after the answer (the connector ends it once it confirmed the agent left);
    // `transferred`: released 1.2 s after the answer.
    const handles = [played.answered, played.transferred].map((p) => (p.endedAt - p.answeredAt) / 1000).sort((a, b) => a - b);
    within(metrics.tHandleSeconds.p50, handles[0]);
    within(metrics.tHandleSeconds.max, handles[1]);
  });

  it('answers the same as CSV, one row per group and interval (Accept: text/csv or format=csv)', async () => {
    const query = '&groupBy=endpointId,routingKey,language&granularity=PT15M';
    const json = (await report(query).expect(200)).body;
    const viaAccept = await report(query).set('Accept', 'text/csv').expect(200);
    const viaFormat = await report(`${query}&format=csv`).expect(200);
    expect(viaAccept.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(viaFormat.text).toBe(viaAccept.text);
    const [header, ...rows] = parseCsv(viaAccept.text);
    expect(header).toEqual(['endpointId', 'routingKey', 'language', 'interval', ...METRIC_COLUMNS]);
    const expected = json.groups.flatMap((g: any) =>
      g.data.map((d: any) =>
        [g.group.endpointId, g.group.routingKey, g.group.language, d.interval, ...flattenMetrics(d.metrics)].map(cell),
      ),
    );
    expect(rows).toEqual(expected);
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });

  it('groups by sorted skills and language and buckets by the granularity, from `from` on', async () => {
    const { groups } = (await report('&groupBy=routingKey,language&granularity=PT15M').expect(200)).body;
    expect(groups.map((g: any) => g.group)).toEqual([
      { routingKey: 'billing+escalation', language: 'german' },
      { routingKey: 'escalation', language: 'english' },
    ]);
    for (const g of groups) {
      const [first] = g.data;
      expect(first.interval.split('/')[0]).toBe(window.from);
      for (const d of g.data) {
        const [start, end] = d.interval.split('/').map(Date.parse);
        expect(end - start).toBeLessThanOrEqual(15 * 60_000);
      }
    }
    const total = (g: any, metric: string) => g.data.reduce((sum: number, d: any) => sum + d.metrics[metric], 0);
    expect(total(groups[0], 'nRequested')).toBe(1);
    expect(total(groups[0], 'nAbandonedInQueue')).toBe(1);
    expect(total(groups[1], 'nRequested')).toBe(4);
    expect(total(groups[1], 'nAnswered')).toBe(2);
    const byProvider = (await report('&groupBy=provider').expect(200)).body.groups;
    expect(byProvider.map((g: any) => g.group)).toEqual([{ provider: 'genesys-cloud-open-messaging' }]);
    // An hour-long window that ends before anything happened: zero counts, null percentiles and ratio.
    const empty = await admin(
      `/admin/v1/reports/handovers?to=${new Date(played.origin - 3_600_000).toISOString()}&endpointId=${f.endpointId}`,
    ).expect(200);
    expect(empty.body.groups[0].data[0].metrics).toMatchObject({
      nRequested: 0,
      tAnswerSeconds: { count: 0, p50: null, p90: null, max: null },
      serviceLevel: { thresholdSeconds: 2, numerator: 0, denominator: 0, ratio: null },
    });
  });

  it('lists one row per handover in /details, without message text, paged by cursor', async () => {
    const all = (await admin(`/admin/v1/reports/handovers/details?from=${window.from}&to=${window.to}`).expect(200)).body;
    expect(all.nextCursor).toBeNull();
    expect(all.items.map((i: any) => i.handoverId)).toHaveLength(5);
    const byId = new Map<string, any>(all.items.map((i: any) => [i.handoverId, i]));
    const answered = byId.get(played.answered.handoverId);
    expect(Object.keys(answered)).toEqual(
      expect.arrayContaining([
        'handoverId',
        'endpointId',
        'sessionId',
        'provider',
        'routingKey',
        'language',
        'priority',
        'requestedAt',
        'queuedAt',
        'answeredAt',
        'firstAgentReplyAt',
        'endedAt',
        'reason',
        'transfers',
        'userMessages',
        'agentMessages',
        'previousHandoverId',
      ]),
    );
    expect(answered).toMatchObject({
      endpointId: f.endpointId,
      sessionId: 's-answered',
      provider: 'genesys-cloud-open-messaging',
      routingKey: 'escalation',
      language: 'english',
      priority: 1,
      reason: 'agent_ended',
      transfers: 0,
      userMessages: 1,
      agentMessages: 1,
      previousHandoverId: null,
    });
    for (const field of ['requestedAt', 'submittedAt', 'queuedAt', 'answeredAt', 'firstAgentReplyAt', 'endedAt']) {
      expect(Date.parse(answered[field])).toBeGreaterThanOrEqual(played.answered.at - 50);
    }
    expect(Date.parse(answered.firstAgentReplyAt)).toBeGreaterThanOrEqual(Date.parse(answered.answeredAt));
    expect(byId.get(played.transferred.handoverId)).toMatchObject({ transfers: 1, reason: 'bot_released' });
    expect(byId.get(played.abandoned.handoverId)).toMatchObject({ routingKey: 'billing+escalation', language: 'german', answeredAt: null });
    expect(byId.get(played.timeout.handoverId)).toMatchObject({ reason: 'queue_timeout', answeredAt: null });
    expect(byId.get(played.again.handoverId)).toMatchObject({
      previousHandoverId: played.answered.handoverId,
      reason: 'admin_released',
      deliveryFailures: 1,
    });
    const requested = all.items.map((i: any) => Date.parse(i.requestedAt));
    expect(requested).toEqual([...requested].sort((a, b) => a - b));
    const text = JSON.stringify(all);
    for (const said of ['Hello, I am Sam', 'Thanks, Sam', 'Hello from']) expect(text).not.toContain(said);

    // Two at a time: three pages, the same rows in the same order.
    const paged: any[] = [];
    let cursor: string | null = '';
    for (let page = 0; cursor !== null && page < 5; page++) {
      const res: request.Response = await admin(
        `/admin/v1/reports/handovers/details?from=${window.from}&to=${window.to}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      ).expect(200);
      paged.push(...res.body.items);
      cursor = res.body.nextCursor;
    }
    expect(cursor).toBeNull();
    expect(paged).toEqual(all.items);

    const csv = await admin(`/admin/v1/reports/handovers/details?from=${window.from}&to=${window.to}&format=csv`).expect(200);
    const [header, ...rows] = parseCsv(csv.text);
    expect(rows).toEqual(all.items.map((i: any) => header.map((h) => cell(i[h]))));
  });

  it('shows live gauges: per state now, in the API and in Prometheus (fleet-wide, bounded labels)', async () => {
    expect(midway.live.totals).toEqual({ requested: 0, queued: 3, active: 1 });
    expect(midway.live.endpoints).toEqual([
      { endpointId: f.endpointId, provider: 'genesys-cloud-open-messaging', requested: 0, queued: 3, active: 1 },
    ]);
    const labels = `endpoint="${f.endpointId}",provider="genesys-cloud-open-messaging"`;
    expect(midway.metrics).toContain(`hc_handovers_in_state{${labels},state="queued"} 3`);
    expect(midway.metrics).toContain(`hc_handovers_in_state{${labels},state="active"} 1`);
    expect((await admin('/admin/v1/reports/handovers/live').expect(200)).body.totals).toEqual({ requested: 0, queued: 0, active: 0 });
  });

  it('exposes histograms of answer, queue wait and handle time and outcome counters in Prometheus', async () => {
    const metrics = (await request(f.t.app.getHttpServer()).get('/metrics').expect(200)).text;
    const labels = `endpoint="${f.endpointId}",provider="genesys-cloud-open-messaging"`;
    expect(metrics).toContain(`hc_handover_time_to_answer_seconds_count{${labels}} 2`);
    expect(metrics).toContain(`hc_handover_time_to_answer_seconds_bucket{le="5",${labels}} 2`);
    expect(metrics).toContain(`hc_handover_queue_wait_seconds_count{${labels}} 2`);
    expect(metrics).toContain(`hc_handover_handle_seconds_count{${labels}} 2`);
    // `abandoned` waited 2.5 s: in the 5 s bucket.
    expect(metrics).toContain(`hc_handover_abandon_wait_seconds_bucket{le="5",${labels}} 1`);
    expect(metrics).toContain(`hc_handover_abandon_wait_seconds_count{${labels}} 1`);
    expect(metrics).toContain(`hc_handover_requests_total{${labels}} 5`);
    expect(metrics).toContain(`hc_handover_rehandovers_total{${labels}} 1`);
    expect(metrics).toContain(`hc_handover_transfers_total{${labels}} 1`);
    expect(metrics).toContain(`hc_handover_outcomes_total{${labels},phase="before_answer",reason="bot_released"} 1`);
    expect(metrics).toContain(`hc_handover_outcomes_total{${labels},phase="after_answer",reason="bot_released"} 1`);
    expect(metrics).toContain(`hc_handover_delivery_failures_total{${labels},direction="to_bot"} 1`);
    // No label value is an id of a handover, session or user.
    const handoverLines = metrics.split('\n').filter((l) => l.startsWith('hc_handover'));
    for (const line of handoverLines) expect(line).not.toMatch(/ho_|s-answered|u-answered|conv/);
  });

  it('answers 400 naming each bad parameter', async () => {
    const bad = async (path: string, message: string | RegExp) => {
      const res = await admin(path).expect(400);
      expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    };
    const base = '/admin/v1/reports/handovers';
    await bad(`${base}?from=yesterday`, /^from must be an ISO-8601 date-time$/);
    await bad(`${base}?to=2026-13-40`, /^to must be an ISO-8601 date-time$/);
    await bad(`${base}?from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z`, /^from must be before to$/);
    await bad(`${base}?from=2026-01-01T00:00:00Z&to=2026-05-01T00:00:00Z`, /^from and to must be at most 92 days apart$/);
    await bad(`${base}?groupBy=endpointId,skill`, /^groupBy has an unknown dimension "skill"/);
    await bad(`${base}?granularity=PT5M`, /^granularity must be one of PT15M, PT1H, P1D$/);
    await bad(
      `${base}?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&granularity=PT15M`,
      /^granularity PT15M gives more than 5000 intervals/,
    );
    await bad(`${base}?format=xml`, /^format must be one of json, csv$/);
    await bad(`${base}?endpointId=Not_An_Id`, /^endpointId must be/);
    await bad(`${base}?colour=blue`, /^colour: property colour should not exist$/);
    await bad(`${base}/details?limit=0`, /^limit must be an integer between 1 and 1000$/);
    await bad(`${base}/details?limit=1001`, /^limit must be an integer between 1 and 1000$/);
    await bad(`${base}/details?limit=ten`, /^limit must be an integer between 1 and 1000$/);
    await bad(`${base}/details?cursor=not-a-cursor`, /^cursor is not a nextCursor of this listing$/);
    await admin(`${base}?endpointId=no-such-endpoint`).expect(404);
  });

  it('does not count a request that was refused (409): its facts are withdrawn', async () => {
    const script = new HandoverScript(f);
    const bot = () =>
      request(f.t.app.getHttpServer()).post(`/v1/endpoints/${f.endpointId}/handovers`).set('Authorization', `Bearer ${f.apiKey}`);
    await script.start('s-busy', 'u-busy');
    await bot().send({ sessionId: 's-busy', userId: 'u-busy' }).expect(409);
    await bot().send({ sessionId: 's-other', userId: 'u-busy' }).expect(409);
    const { metrics } = (await report().expect(200)).body.groups[0].data[0];
    expect(metrics.nRequested).toBe(6);
    const details = (await admin(`/admin/v1/reports/handovers/details?from=${window.from}&to=${window.to}`).expect(200)).body;
    expect(details.items.filter((i: any) => i.sessionId === 's-busy')).toHaveLength(1);
    expect(details.items.filter((i: any) => i.sessionId === 's-other')).toHaveLength(0);
    await script.queued('s-busy', 'u-busy');
    await script.adminReleases('s-busy');
  });

  it('answers 401 without the admin token', async () => {
    for (const path of ['/admin/v1/reports/handovers', '/admin/v1/reports/handovers/details', '/admin/v1/reports/handovers/live']) {
      await request(f.t.app.getHttpServer()).get(path).expect(401);
      await request(f.t.app.getHttpServer()).get(path).set('Authorization', 'Bearer wrong-token-0123456789').expect(401);
    }
  });
});

describe('handover reports: a Multicloud CX handover, answered by its first agent message', () => {
  let f: McxFixture;
  const admin = (path: string) => request(f.t.app.getHttpServer()).get(path).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);

  beforeAll(async () => {
    f = await createMcxFixture({ handoverDefaults: { queueUpdateIntervalSeconds: 0 } });
  });

  afterAll(async () => {
    await f.close();
  });

  it('records it like any other: answered at the first agent message, the provider as a dimension', async () => {
    const requestedAt = Date.now();
    await request(f.t.app.getHttpServer())
      .post(`/v1/endpoints/${f.endpointId}/handovers`)
      .set('Authorization', `Bearer ${f.apiKey}`)
      .send({ sessionId: 's-mcx', userId: 'u-mcx', text: 'Hello' })
      .expect(202);
    await eventually(() => expect(f.bot.typesFor('s-mcx')).toContain('handover.queued'));
    const interaction = f.emulator.interactionFor(MCX_CHANNEL_ID, 'u-mcx')!;
    f.emulator.accept(interaction.id, { agentName: 'Sam' });
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() - requestedAt)));
    const wroteAt = Date.now();
    f.emulator.write(interaction.id, { text: 'Hello, I am Sam' });
    await eventually(() => expect(f.bot.typesFor('s-mcx')).toContain('agent.message'));
    f.emulator.done(interaction.id);
    await eventually(() => expect(f.bot.typesFor('s-mcx')).toContain('handover.ended'));

    const from = new Date(requestedAt - 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const { groups } = (await admin(`/admin/v1/reports/handovers?from=${from}&to=${to}&groupBy=provider`).expect(200)).body;
    expect(groups).toHaveLength(1);
    expect(groups[0].group).toEqual({ provider: 'genesys-multicloud-cx' });
    const { metrics } = groups[0].data[0];
    expect(metrics).toMatchObject({ nRequested: 1, nQueued: 1, nAnswered: 1, nTransfers: 0, endReasons: { agent_ended: 1 } });
    expect(metrics.tAnswerSeconds.p50).toBeGreaterThanOrEqual((wroteAt - requestedAt) / 1000 - 0.3);
    expect(metrics.tAnswerSeconds.p50).toBeLessThanOrEqual((wroteAt - requestedAt) / 1000 + 0.8);
    const [row] = (await admin(`/admin/v1/reports/handovers/details?from=${from}&to=${to}`).expect(200)).body.items;
    expect(row).toMatchObject({
      provider: 'genesys-multicloud-cx',
      sessionId: 's-mcx',
      agentMessages: 1,
      userMessages: 0,
      reason: 'agent_ended',
    });
    // No join event: the first agent message is both the answer and the first reply.
    expect(Math.abs(Date.parse(row.firstAgentReplyAt) - Date.parse(row.answeredAt))).toBeLessThan(500);
  });
});
