import { RedisKeys, SHARDS } from './redis-keys';

/** CRC16 (XMODEM) of a key's hash tag, mod 16384: the Redis Cluster slot (cluster-spec "Keys distribution model"). */
function slot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/** The key strings are what data already in Redis is stored under: they must never change by accident. */
describe('RedisKeys', () => {
  const keys = new RedisKeys('hc');
  const shard = keys.shardOf('ep', 's-1');
  const handoverId = `ho_${shard}_abc`;

  it('builds every key shape under the prefix, exactly as stored', () => {
    expect(shard).toBe(keys.shardOf('ep', 's-1'));
    expect({
      mailbox: keys.mailbox('to-bot', 'ep', 's-1'),
      mailboxOwner: keys.mailboxOwner('to-agent', 'ep', 's-1'),
      mailboxesActive: keys.mailboxesActive('to-bot', 3),
      deadLetter: keys.deadLetter('dl_3_x'),
      deadLettersOf: keys.deadLettersOf('ep', 3),
      deadLetters: keys.deadLetters(3),
      bullPrefix: keys.bullPrefix('to-bot'),
      handover: keys.handover('ho_3_x'),
      handoverPrefix: keys.handoverPrefix(3),
      liveHandovers: keys.liveHandovers('ep', 3),
      sessionState: keys.sessionState('ep', 's-1'),
      timeline: keys.timeline('ep', 's-1'),
      liveUser: keys.liveUser('ep', 'u-1'),
      sessionIndex: keys.sessionIndex('ep', 3),
      timers: keys.timers(3),
      conversation: keys.conversation('c-1'),
      providerEventSeen: keys.providerEventSeen('ep', 's-1', 'agent.message', 'p-1'),
      botMessageSeen: keys.botMessageSeen('ep', 's-1', 'm-1'),
      endpoints: keys.endpoints(),
      endpointApiKeys: keys.endpointApiKeys(),
      endpointEventsChannel: keys.endpointEventsChannel(),
      authFailures: keys.authFailures('10.0.0.1'),
      rateLimit: keys.rateLimit('genesys:ep'),
      mcxSentPart: keys.mcxSentPart('ep', 'cmd_1', 2),
      providerProblems: keys.providerProblems('ep'),
      lease: keys.lease('notifications:ep'),
      notificationRequestsChannel: keys.notificationRequestsChannel(),
      throttle: keys.throttle('default', 'admin:10.0.0.1'),
      reportFact: keys.reportFact('ho_1'),
      reportSlice: keys.reportSlice('ep', 493_000),
      reportDimensions: keys.reportDimensions('ep'),
      reportEndpoints: keys.reportEndpoints(),
      reportLive: keys.reportLive('ep', 'queued'),
      reportLastHandover: keys.reportLastHandover('ep', 'abc'),
    }).toEqual({
      mailbox: `hc:{s${shard}}:mbox:to-bot:ep:s-1`,
      mailboxOwner: `hc:{s${shard}}:mbox-owner:to-agent:ep:s-1`,
      mailboxesActive: 'hc:{s3}:mbox-active:to-bot',
      deadLetter: 'hc:{s3}:dead-letter:dl_3_x',
      deadLettersOf: 'hc:{s3}:dead-letters:ep',
      deadLetters: 'hc:{s3}:dead-letters',
      bullPrefix: 'hc:{bull-to-bot}',
      handover: 'hc:{s3}:handover:ho_3_x',
      handoverPrefix: 'hc:{s3}:handover:',
      liveHandovers: 'hc:{s3}:live-handovers:ep',
      sessionState: `hc:{s${shard}}:session:ep:s-1`,
      timeline: `hc:{s${shard}}:timeline:ep:s-1`,
      liveUser: 'hc:live-user:ep:u-1',
      sessionIndex: 'hc:{s3}:sessions:ep',
      timers: 'hc:{s3}:timers',
      conversation: 'hc:conversation:c-1',
      providerEventSeen: `hc:{s${shard}}:dedupe-provider:ep:s-1:agent.message:p-1`,
      botMessageSeen: `hc:{s${shard}}:dedupe-bot-message:ep:s-1:m-1`,
      endpoints: 'hc:{endpoints}:records',
      endpointApiKeys: 'hc:{endpoints}:api-keys',
      endpointEventsChannel: 'hc:endpoint-events',
      authFailures: 'hc:auth-failures:10.0.0.1',
      rateLimit: 'hc:ratelimit:genesys:ep',
      mcxSentPart: 'hc:mcx-sent:ep:cmd_1:2',
      providerProblems: 'hc:provider-problems:ep',
      lease: 'hc:lease:notifications:ep',
      notificationRequestsChannel: 'hc:notification-requests',
      throttle: 'hc:throttle:default:admin:10.0.0.1',
      reportFact: 'hc:report:fact:ho_1',
      reportSlice: 'hc:report:ev:ep:493000',
      reportDimensions: 'hc:report:dims:ep',
      reportEndpoints: 'hc:report:endpoints',
      reportLive: 'hc:report:live:ep:queued',
      reportLastHandover: 'hc:report:last:ep:abc',
    });
  });

  it('keeps a session, its handovers and its shard indexes in one slot', () => {
    const together = [
      keys.mailbox('to-bot', 'ep', 's-1'),
      keys.mailboxOwner('to-agent', 'ep', 's-1'),
      keys.mailboxesActive('to-agent', shard),
      keys.sessionState('ep', 's-1'),
      keys.timeline('ep', 's-1'),
      keys.handover(handoverId),
      keys.handover(keys.newId('ho', shard)),
      keys.deadLetter(keys.newId('dl', shard)),
      keys.deadLetters(shard),
      keys.timers(shard),
      keys.liveHandovers('ep', shard),
      keys.sessionIndex('ep', shard),
      keys.providerEventSeen('ep', 's-1', 'agent.message', 'p-1'),
      keys.botMessageSeen('ep', 's-1', 'm-1'),
    ];
    expect(new Set(together.map(slot)).size).toBe(1);
    expect(slot(keys.endpoints())).toBe(slot(keys.endpointApiKeys()));
  });

  it('spreads sessions over every shard and the shards over the slots', () => {
    const seen = new Map<number, number>();
    for (let i = 0; i < 32_000; i++) {
      const s = keys.shardOf('ep', `session-${i}`);
      seen.set(s, (seen.get(s) ?? 0) + 1);
    }
    expect(seen.size).toBe(SHARDS);
    for (const count of seen.values()) expect(count).toBeGreaterThan(800);
    // Three masters, as redis-cli --cluster create splits the slots: every master gets some shards.
    const masters = new Set(keys.shards().map((s) => Math.floor(slot(keys.timers(s)) / 5462)));
    expect(masters.size).toBe(3);
  });

  it('reads the shard back from an id it made, and gives any other id a fixed shard', () => {
    for (const s of [0, 7, SHARDS - 1]) expect(keys.shardOfId(keys.newId('ho', s))).toBe(s);
    expect(keys.shardOfId('ho_999_x')).toBe(keys.shardOfId('ho_999_x'));
    expect(keys.shardOfId('ho_999_x')).toBeLessThan(SHARDS);
    expect(keys.shardOfId('whatever')).toBeLessThan(SHARDS);
  });
});
