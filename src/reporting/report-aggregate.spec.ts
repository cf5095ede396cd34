import { decodeRecord, encodeRecord, HandoverRecord, SLICE_MS, sliceOf } from './handover-records';
import { intervalsOf, nearestRank, ReportBuilder, ReportQuery } from './report-aggregate';
import { toCsv } from './report-csv';

const T0 = Date.parse('2026-05-01T00:00:00.000Z');
const dims = { provider: 'genesys-cloud-open-messaging', routingKey: 'billing+escalation', language: 'english' };

describe('handover records', () => {
  it('round-trip through their compact text, relative to their hourly slice', () => {
    const at = T0 + 3 * SLICE_MS + 1234;
    const records: HandoverRecord[] = [
      { type: 'requested', at, dims: 3, handoverId: 'ho_abc', reHandover: true },
      { type: 'requested', at, dims: 3, handoverId: 'ho_def', reHandover: false },
      { type: 'queued', at, dims: 0 },
      { type: 'answered', at, dims: 1, answerMs: 41200, queueWaitMs: 40000 },
      { type: 'answered', at, dims: 1, answerMs: 5, queueWaitMs: undefined },
      { type: 'ended', at, dims: 2, reason: 'agent_ended', handleMs: 300200, waitMs: undefined },
      { type: 'ended', at, dims: 2, reason: 'bot_released', handleMs: undefined, waitMs: 61000 },
      { type: 'transferred', at, dims: 2 },
      { type: 'delivery_failed', at, dims: 2, direction: 'to_agent' },
    ];
    for (const record of records) expect(decodeRecord(encodeRecord(record), sliceOf(at))).toEqual(record);
    expect(encodeRecord(records[0])).toBe('R1234,3,ho_abc,1');
    expect(encodeRecord(records[6])).toBe('E1234,2,bo,,61000');
    expect(decodeRecord('Z1,1', 0)).toBeUndefined();
    expect(decodeRecord('E1,1,zz,,', 0)).toBeUndefined();
  });
});

describe('the report', () => {
  const query = (over: Partial<ReportQuery> = {}): ReportQuery => ({
    from: T0,
    to: T0 + 2 * SLICE_MS,
    groupBy: [],
    granularity: null,
    ...over,
  });

  it('takes percentiles by nearest rank', () => {
    const values = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5].sort((a, b) => a - b);
    expect(nearestRank(values, 50)).toBe(5);
    expect(nearestRank(values, 90)).toBe(9);
    expect(nearestRank(values, 100)).toBe(10);
    expect(nearestRank([7], 90)).toBe(7);
    expect(nearestRank([], 50)).toBeNull();
  });

  it('cuts intervals from `from` in granularity steps, the last one at `to`', () => {
    expect(intervalsOf({ from: T0, to: T0 + 40 * 60_000, granularity: 'PT15M' }).map((i) => (i.end - i.start) / 60_000)).toEqual([
      15, 15, 10,
    ]);
    expect(intervalsOf({ from: T0, to: T0 + 1, granularity: null })).toEqual([{ start: T0, end: T0 + 1 }]);
  });

  it('counts each event in the interval where it happened, and ignores events outside [from, to)', () => {
    const b = new ReportBuilder(query({ granularity: 'PT1H' }), [60]);
    b.add('ep', dims, { type: 'requested', at: T0 + 59 * 60_000, dims: 1, handoverId: 'h1', reHandover: false }, 60);
    b.add('ep', dims, { type: 'answered', at: T0 + 61 * 60_000, dims: 1, answerMs: 120_000, queueWaitMs: 110_000 }, 60);
    b.add('ep', dims, { type: 'requested', at: T0 - 1, dims: 1, handoverId: 'h0', reHandover: false }, 60);
    b.add('ep', dims, { type: 'requested', at: T0 + 2 * SLICE_MS, dims: 1, handoverId: 'h9', reHandover: false }, 60);
    const [group] = b.build().groups;
    expect(group.data.map((d) => [d.interval, d.metrics.nRequested, d.metrics.nAnswered])).toEqual([
      ['2026-05-01T00:00:00.000Z/2026-05-01T01:00:00.000Z', 1, 0],
      ['2026-05-01T01:00:00.000Z/2026-05-01T02:00:00.000Z', 0, 1],
    ]);
  });

  it('computes the service level: answered within the threshold ÷ (answered + abandoned after it)', () => {
    const b = new ReportBuilder(query(), [60]);
    const at = T0 + 1000;
    b.add('ep', dims, { type: 'answered', at, dims: 1, answerMs: 60_000 }, 60); // within (≤)
    b.add('ep', dims, { type: 'answered', at, dims: 1, answerMs: 60_001 }, 60); // late
    b.add('ep', dims, { type: 'ended', at, dims: 1, reason: 'customer_ended', waitMs: 90_000 }, 60); // abandoned late
    b.add('ep', dims, { type: 'ended', at, dims: 1, reason: 'bot_released', waitMs: 30_000 }, 60); // abandoned early
    b.add('ep', dims, { type: 'ended', at, dims: 1, reason: 'queue_timeout', waitMs: 1_800_000 }, 60); // not abandoned
    b.add('ep', dims, { type: 'ended', at, dims: 1, reason: 'bot_released', handleMs: 5000 }, 60); // after the answer
    const { metrics } = b.build().groups[0].data[0];
    expect(metrics).toMatchObject({
      nAnswered: 2,
      nAbandonedInQueue: 2,
      nQueueTimeout: 1,
      endReasons: { customer_ended: 1, bot_released: 2, queue_timeout: 1 },
      serviceLevel: { thresholdSeconds: 60, numerator: 1, denominator: 3, ratio: 0.333 },
      tAnswerSeconds: { count: 2, p50: 60, p90: 60.001, max: 60.001 },
      tHandleSeconds: { count: 1, p50: 5, p90: 5, max: 5 },
      tQueueWaitSeconds: { count: 0, p50: null, p90: null, max: null },
    });
  });

  it('groups by the asked dimensions; a group mixing thresholds reports none', () => {
    const b = new ReportBuilder(query({ groupBy: ['language'] }), [60, 30]);
    b.add('a', dims, { type: 'answered', at: T0, dims: 1, answerMs: 40_000 }, 60);
    b.add('b', dims, { type: 'answered', at: T0, dims: 1, answerMs: 40_000 }, 30);
    b.add('b', { ...dims, language: null }, { type: 'queued', at: T0, dims: 2 }, 30);
    const groups = b.build().groups;
    expect(groups.map((g) => g.group)).toEqual([{ language: 'english' }, { language: null }]);
    expect(groups[0].data[0].metrics.serviceLevel).toEqual({ thresholdSeconds: null, numerator: 1, denominator: 2, ratio: 0.5 });
    expect(groups[1].data[0].metrics.serviceLevel.thresholdSeconds).toBe(30);
  });

  it('always has one group without groupBy, even without data', () => {
    expect(new ReportBuilder(query(), []).build().groups).toEqual([
      expect.objectContaining({ group: {}, data: [expect.objectContaining({ metrics: expect.objectContaining({ nRequested: 0 }) })] }),
    ]);
    expect(new ReportBuilder(query({ groupBy: ['endpointId'] }), []).build().groups).toEqual([]);
  });
});

describe('CSV', () => {
  it('quotes fields with commas, quotes or line breaks, and ends lines with CRLF', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 'say "hi"'],
          [null, 3],
        ],
      ),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n,3\r\n');
  });
});
