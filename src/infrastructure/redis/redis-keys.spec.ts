import { RedisKeys } from './redis-keys';

/** The key strings are what data already in Redis is stored under: they must never change by accident. */
describe('RedisKeys', () => {
  const keys = new RedisKeys('hc');

  it('builds every key shape under the prefix, exactly as stored', () => {
    expect({
      mailbox: keys.mailbox('to-bot', 'ep', 's-1'),
      mailboxOwner: keys.mailboxOwner('to-agent', 'ep', 's-1'),
      mailboxesActive: keys.mailboxesActive('to-bot'),
      deadLetter: keys.deadLetter('dl_1'),
      deadLettersOf: keys.deadLettersOf('ep'),
      deadLetters: keys.deadLetters(),
      bullPrefix: keys.bullPrefix(),
      handover: keys.handover('ho_1'),
      handoverPrefix: keys.handoverPrefix(),
      sessionState: keys.sessionState('ep', 's-1'),
      timeline: keys.timeline('ep', 's-1'),
      liveUser: keys.liveUser('ep', 'u-1'),
      liveUserPattern: keys.liveUserPattern(),
      sessionIndex: keys.sessionIndex('ep'),
      timers: keys.timers(),
      conversation: keys.conversation('c-1'),
      providerEventSeen: keys.providerEventSeen('ep', 'agent.message', 'p-1'),
      botMessageSeen: keys.botMessageSeen('ep', 's-1', 'm-1'),
      endpoints: keys.endpoints(),
      endpointApiKeys: keys.endpointApiKeys(),
      endpointEventsChannel: keys.endpointEventsChannel(),
      authFailures: keys.authFailures('10.0.0.1'),
      rateLimit: keys.rateLimit('genesys:ep'),
      mcxSentPart: keys.mcxSentPart('ep', 'cmd_1', 2),
      providerProblems: keys.providerProblems('ep'),
      reportFact: keys.reportFact('ho_1'),
      reportSlice: keys.reportSlice('ep', 493_000),
      reportDimensions: keys.reportDimensions('ep'),
      reportEndpoints: keys.reportEndpoints(),
      reportLive: keys.reportLive('ep', 'queued'),
      reportLastHandover: keys.reportLastHandover('ep', 'abc'),
    }).toEqual({
      mailbox: 'hc:mbox:to-bot:ep:s-1',
      mailboxOwner: 'hc:mbox-owner:to-agent:ep:s-1',
      mailboxesActive: 'hc:mbox-active:to-bot',
      deadLetter: 'hc:dead-letter:dl_1',
      deadLettersOf: 'hc:dead-letters:ep',
      deadLetters: 'hc:dead-letters',
      bullPrefix: 'hc:bull',
      handover: 'hc:handover:ho_1',
      handoverPrefix: 'hc:handover:',
      sessionState: 'hc:session:ep:s-1',
      timeline: 'hc:timeline:ep:s-1',
      liveUser: 'hc:live-user:ep:u-1',
      liveUserPattern: 'hc:live-user:*',
      sessionIndex: 'hc:sessions:ep',
      timers: 'hc:timers',
      conversation: 'hc:conversation:c-1',
      providerEventSeen: 'hc:dedupe:provider:ep:agent.message:p-1',
      botMessageSeen: 'hc:dedupe:bot-message:ep:s-1:m-1',
      endpoints: 'hc:endpoints',
      endpointApiKeys: 'hc:endpoint-api-keys',
      endpointEventsChannel: 'hc:endpoint-events',
      authFailures: 'hc:auth-failures:10.0.0.1',
      rateLimit: 'hc:ratelimit:genesys:ep',
      mcxSentPart: 'hc:mcx-sent:ep:cmd_1:2',
      providerProblems: 'hc:provider-problems:ep',
      reportFact: 'hc:report:fact:ho_1',
      reportSlice: 'hc:report:ev:ep:493000',
      reportDimensions: 'hc:report:dims:ep',
      reportEndpoints: 'hc:report:endpoints',
      reportLive: 'hc:report:live:ep:queued',
      reportLastHandover: 'hc:report:last:ep:abc',
    });
  });

  it('reads the endpoint back from a live-user key', () => {
    expect(keys.endpointOfLiveUser(keys.liveUser('acme-support', 'u:1'))).toBe('acme-support');
  });
});
