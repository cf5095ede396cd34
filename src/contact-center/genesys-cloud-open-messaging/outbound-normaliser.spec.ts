import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conversationTopics, signalFromNotification } from './conversation-signals';
import { normaliseOutboundMessage } from './outbound-normaliser';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, 'fixtures', `${name}.json`), 'utf8'));
const CONVERSATION = 'd06cb41e-f938-4dcf-b823-c8af1a39d7e5';
const CUSTOMER = 'abcdef12345@socialmedia';

describe('normaliseOutboundMessage', () => {
  it('Text → agent.message with routing ids, time and originating entity', () => {
    expect(normaliseOutboundMessage(fixture('outbound-text'))).toEqual({
      events: [
        {
          kind: 'agent.message',
          providerEventId: 'c327c2078ca056db130c55ce648d9fa2',
          customerId: CUSTOMER,
          conversationId: CONVERSATION,
          time: '2021-02-01T15:04:05.123Z',
          text: 'Hello World',
          attachments: [],
          quickReplies: [],
          cards: [],
          datePicker: undefined,
          originatingEntity: 'Human',
        },
      ],
      skipped: [],
    });
  });

  it('Text with attachments → attachments with url, mime, filename, media type and size', () => {
    const { events } = normaliseOutboundMessage(fixture('outbound-attachment-image'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'agent.message',
      text: 'Here is the invoice and a photo of the device',
      attachments: [
        {
          url: 'https://api-downloads.usw2.pure.cloud/api/v2/downloads/pce1234456',
          mime: 'image/jpeg',
          filename: 'image.jpg',
          mediaType: 'Image',
          sizeBytes: 10240,
        },
        {
          url: 'https://api-downloads.usw2.pure.cloud/api/v2/downloads/pce7654321',
          mime: 'application/pdf',
          filename: 'invoice.pdf',
          mediaType: 'File',
          sizeBytes: 48213,
        },
      ],
    });
  });

  it('Structured quick replies → text plus quick replies from a Bot', () => {
    const { events } = normaliseOutboundMessage(fixture('outbound-quickreply'));
    expect(events[0]).toMatchObject({
      kind: 'agent.message',
      text: 'Do you want to proceed?',
      originatingEntity: 'Bot',
      quickReplies: [
        { text: 'Yes', payload: 'Yes' },
        { text: 'No', payload: 'No' },
      ],
    });
  });

  it('Structured carousel → cards with postback and link actions', () => {
    const { events } = normaliseOutboundMessage(fixture('outbound-carousel'));
    expect(events[0]).toMatchObject({
      kind: 'agent.message',
      text: undefined,
      cards: [
        {
          title: 'Card 1',
          description: undefined,
          imageUrl: 'https://www.acme.com/image1.png',
          actions: [{ type: 'postback', text: 'Option 1', payload: 'Option1' }],
        },
        {
          title: 'Card 2',
          description: 'Our premium plan',
          imageUrl: 'https://www.acme.com/image2.png',
          actions: [
            { type: 'link', text: 'Read more', url: 'https://www.acme.com/plans/premium' },
            { type: 'postback', text: 'Option 2', payload: 'Option2' },
          ],
        },
      ],
    });
  });

  it('Structured date picker → date picker with durations in seconds', () => {
    const { events } = normaliseOutboundMessage(fixture('outbound-datepicker'));
    expect(events[0]).toMatchObject({
      kind: 'agent.message',
      datePicker: {
        title: 'Book a call back',
        subtitle: 'Pick a time that suits you',
        availableTimes: [
          { dateTime: '2025-05-30T12:00:00.000Z', durationSeconds: 1800 },
          { dateTime: '2025-05-30T12:30:00.000Z', durationSeconds: 1800 },
        ],
      },
    });
  });

  it('Notification template → text with header, filled body and footer', () => {
    const { events } = normaliseOutboundMessage(fixture('outbound-notification'));
    expect(events[0]).toMatchObject({ kind: 'agent.message', text: 'Hello\nYour order is ready, Happy.\nGoodbye' });
  });

  it('Event Typing → agent.typing with its duration', () => {
    expect(normaliseOutboundMessage(fixture('outbound-typing'))).toEqual({
      events: [
        {
          kind: 'agent.typing',
          providerEventId: '4c5d6e7f8091a2b3c4d5e6f708192a3b',
          customerId: CUSTOMER,
          conversationId: CONVERSATION,
          time: '2021-02-01T15:05:00.000Z',
          durationMs: 5000,
        },
      ],
      skipped: [],
    });
  });

  it('Receipt Failed → receipt with status and reasons (one event per status of a message)', () => {
    const { events } = normaliseOutboundMessage(fixture('outbound-receipt-failed'));
    expect(events).toEqual([
      {
        kind: 'receipt',
        providerEventId: 'c327c2078ca056db130c55ce648d9fa2:Failed',
        customerId: CUSTOMER,
        conversationId: undefined,
        time: '2021-02-01T15:04:06.000Z',
        direction: 'Outbound',
        status: 'Failed',
        reasons: [
          { code: 'GeneralError', message: 'some general error' },
          { code: 'RateLimited', message: 'you have reached your limit' },
        ],
      },
    ]);
  });

  it('Receipt Delivered → receipt without reasons', () => {
    const { events } = normaliseOutboundMessage(fixture('outbound-receipt-delivered'));
    expect(events[0]).toMatchObject({ kind: 'receipt', status: 'Delivered', reasons: [], conversationId: CONVERSATION });
  });

  it('accepts nickName and nickname alike (sender name is not needed for routing)', () => {
    const text = fixture('outbound-text') as { channel: { from: Record<string, unknown> } };
    delete text.channel.from.nickName;
    text.channel.from.nickname = 'Open Messaging Integration';
    expect(normaliseOutboundMessage(text).events).toHaveLength(1);
  });

  it('skips unknown message types without throwing and without echoing text', () => {
    const unknown = normaliseOutboundMessage(fixture('outbound-unknown'));
    expect(unknown.events).toEqual([]);
    expect(unknown.skipped).toEqual(["unsupported message type 'Presence'"]);
    expect(unknown.skipped.join(' ')).not.toContain('secret customer text');

    const mixed = fixture('outbound-text') as Record<string, unknown>;
    mixed.content = [{ listPicker: { items: [] } }];
    const result = normaliseOutboundMessage(mixed);
    expect(result.events).toHaveLength(1);
    expect(result.skipped).toEqual(['content element without a contentType']);
  });

  it('normalises QuickReplyV2, Text, ListPicker and Location; passes every other content type on unchanged', () => {
    const structured = fixture('outbound-text') as Record<string, unknown>;
    delete structured.text;
    const form = { contentType: 'Form', form: { id: 'f-1', title: 'Details', pages: [] } };
    structured.content = [
      { contentType: 'Text', text: { body: 'Hello' } },
      {
        contentType: 'QuickReplyV2',
        quickReplyV2: {
          title: 'Pick one',
          actions: [
            { text: 'Yes', payload: 'y', action: 'Message' },
            { text: 'No', action: 'Message' },
          ],
        },
      },
      {
        contentType: 'ListPicker',
        listPicker: {
          receivedMessage: { title: 'Our plans' },
          sections: [
            {
              title: 'Plans',
              multipleSelection: false,
              items: [{ id: 'p1', title: 'Basic', subtitle: '5 €', imageUrl: 'https://x/b.png' }],
            },
          ],
        },
      },
      { contentType: 'Location', location: { text: 'Shop', address: 'Main St 1', latitude: 48.1, longitude: 11.5 } },
      form,
    ];
    const { events, skipped } = normaliseOutboundMessage(structured);
    expect(skipped).toEqual([]);
    expect(events[0]).toMatchObject({
      kind: 'agent.message',
      text: 'Hello\nPick one',
      quickReplies: [
        { text: 'Yes', payload: 'y' },
        { text: 'No', payload: 'No' },
      ],
      listPicker: {
        title: 'Our plans',
        sections: [
          { title: 'Plans', multipleSelection: false, items: [{ id: 'p1', title: 'Basic', subtitle: '5 €', imageUrl: 'https://x/b.png' }] },
        ],
      },
      location: { text: 'Shop', address: 'Main St 1', latitude: 48.1, longitude: 11.5 },
      otherContent: [form],
    });
  });

  it('never throws on malformed input', () => {
    for (const input of [
      null,
      'text',
      42,
      [],
      {},
      { type: 'Text' },
      { id: 'x', type: 'Text', content: 'nope' },
      { id: 'x', type: 'Event', events: [null] },
    ]) {
      expect(() => normaliseOutboundMessage(input)).not.toThrow();
    }
    expect(normaliseOutboundMessage({ id: 'x', type: 'Text' }).events).toEqual([]);
  });
});

describe('signalFromNotification', () => {
  it('user.end with disconnectType TRANSFER → agent.left, read and classified as a transfer', () => {
    const signal = signalFromNotification(fixture('notification-user-end-transfer') as object);
    expect(signal).toEqual({
      kind: 'conversation.signal',
      providerEventId: `${CONVERSATION}:user.end:a7b6c5d4-e3f2-4a1b-9c8d-7e6f5a4b3c2d:1612192000000`,
      conversationId: CONVERSATION,
      time: new Date(1612192000000).toISOString(),
      signal: 'agent.left',
      participantId: 'a7b6c5d4-e3f2-4a1b-9c8d-7e6f5a4b3c2d',
      agentUserId: 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9',
      disconnectType: 'TRANSFER',
      disconnectClass: 'transfer',
      unanswered: false,
    });
  });

  const topic = (suffix: string) => `v2.detail.events.conversation.${CONVERSATION}.${suffix}`;

  it('user.start is an agent being alerted, not a join; acd.end ANSWERED is the answer, with answeredUserId', () => {
    expect(
      signalFromNotification({ topicName: topic('user.start'), eventBody: { userId: 'u1', participantId: 'p1', eventTime: 1 } }),
    ).toMatchObject({ signal: 'agent.alerting', agentUserId: 'u1', participantId: 'p1', conversationId: CONVERSATION });
    const answered = signalFromNotification({
      topicName: topic('acd.end'),
      eventBody: { participantId: 'acd1', disconnectType: 'TRANSFER', acdOutcome: 'ANSWERED', answeredUserId: 'u1', eventTime: 2 },
    });
    expect(answered).toMatchObject({ signal: 'agent.joined', agentUserId: 'u1' });
    expect(answered?.disconnectType).toBeUndefined();
    expect(
      signalFromNotification({
        topicName: topic('acd.end'),
        eventBody: { participantId: 'acd1', disconnectType: 'PEER', acdOutcome: 'ABANDON' },
      }),
    ).toMatchObject({ signal: 'queue.left', queueOutcome: 'ABANDON', disconnectType: 'PEER', disconnectClass: 'end' });
  });

  it('an alerted agent who does not answer: unanswered, by the value or by the durations', () => {
    const userEnd = (body: Record<string, unknown>) =>
      signalFromNotification({ topicName: topic('user.end'), eventBody: { participantId: 'p1', ...body } });
    for (const value of ['NO_ANSWER_TRANSFER', 'NOT_AVAILABLE_TRANSFER', 'transfer.noanswer', 'notAvailableTransfer']) {
      expect(userEnd({ disconnectType: value })).toMatchObject({ signal: 'agent.left', disconnectClass: 'transfer', unanswered: true });
    }
    expect(userEnd({ disconnectType: 'CLIENT', alertingDurationMs: 8000, interactingDurationMs: 0 })).toMatchObject({
      disconnectType: 'CLIENT',
      disconnectClass: 'end',
      unanswered: true,
    });
    expect(userEnd({ disconnectType: 'CLIENT', alertingDurationMs: 8000, interactingDurationMs: 60000 })).toMatchObject({
      unanswered: false,
    });
  });

  it('maps customer.end (PEER: the agent ended it) and acw', () => {
    expect(
      signalFromNotification({ topicName: topic('customer.end'), eventBody: { disconnectType: 'client', participantId: 'c1' } }),
    ).toMatchObject({ signal: 'customer.left', disconnectType: 'CLIENT', endedBy: 'customer' });
    expect(signalFromNotification({ topicName: topic('customer.end'), eventBody: { disconnectType: 'PEER' } })).toMatchObject({
      endedBy: 'agent',
    });
    expect(signalFromNotification({ topicName: topic('acw'), eventBody: { userId: 'u1', wrapupCode: 'x' } })).toMatchObject({
      signal: 'agent.wrapup',
      agentUserId: 'u1',
    });
  });

  it('ignores other topics (heartbeats, socket_closing, unrelated detail events)', () => {
    expect(signalFromNotification({ topicName: 'channel.metadata', eventBody: { message: 'WebSocket Heartbeat' } })).toBeUndefined();
    expect(signalFromNotification({ topicName: 'v2.system.socket_closing', eventBody: {} })).toBeUndefined();
    expect(signalFromNotification({ topicName: `v2.detail.events.conversation.${CONVERSATION}.acd.start` })).toBeUndefined();
    expect(signalFromNotification({})).toBeUndefined();
  });

  it('lists the five lifecycle topics of a conversation', () => {
    expect(conversationTopics('c-1')).toEqual([
      'v2.detail.events.conversation.c-1.user.start',
      'v2.detail.events.conversation.c-1.user.end',
      'v2.detail.events.conversation.c-1.acd.end',
      'v2.detail.events.conversation.c-1.customer.end',
      'v2.detail.events.conversation.c-1.acw',
    ]);
  });
});
