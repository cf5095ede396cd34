import {
  inboundMessageBody,
  inboundMessageParts,
  mediaTypeFromMime,
  receiptBody,
  routingAttributes,
  structuredResponseBody,
  typingEventBody,
} from './inbound-payloads';

const customer = { id: 'u-42', nickname: 'Ada', firstName: 'Ada', lastName: 'L', email: 'ada@example.com' };

describe('mediaTypeFromMime', () => {
  it.each([
    ['image/png', 'Image'],
    ['IMAGE/JPEG', 'Image'],
    ['video/mp4', 'Video'],
    ['audio/ogg; codecs=opus', 'Audio'],
    ['application/pdf', 'File'],
    ['text/plain', 'File'],
    ['', 'File'],
  ])('%s → %s', (mime, expected) => {
    expect(mediaTypeFromMime(mime)).toBe(expected);
  });
});

describe('inboundMessageParts', () => {
  const a = (n: number) => ({ url: `https://x/${n}.png`, mime: 'image/png' });

  it('keeps a message with at most one attachment as it is', () => {
    const one = { customer, messageId: 'm', time: '2026-01-01T10:00:00.000Z', text: 't', attachments: [a(1)] };
    expect(inboundMessageParts(one)).toEqual([one]);
  });

  it('gives each further attachment its own message: derived id, the next millisecond, no text or routing', () => {
    const parts = inboundMessageParts({
      customer,
      messageId: 'm',
      time: '2026-01-01T10:00:00.000Z',
      text: 't',
      attachments: [a(1), a(2), a(3)],
      routing: { skills: [], customAttributes: {} },
    });
    expect(parts.map((p) => [p.messageId, p.time, p.text, p.attachments, p.routing !== undefined])).toEqual([
      ['m', '2026-01-01T10:00:00.000Z', 't', [a(1)], true],
      ['m-a1', '2026-01-01T10:00:00.001Z', undefined, [a(2)], false],
      ['m-a2', '2026-01-01T10:00:00.002Z', undefined, [a(3)], false],
    ]);
  });
});

describe('inbound payloads', () => {
  it('builds an open message with routing data in channel.metadata.customAttributes, all strings', () => {
    const body = inboundMessageBody({
      customer,
      messageId: 'm-1',
      time: '2026-01-01T10:00:00.000Z',
      text: 'I want a human',
      attachments: [
        { url: 'https://files.example.com/a.png', mime: 'image/png', filename: 'a.png' },
        { url: 'https://files.example.com/b', mime: 'application/zip' },
      ],
      routing: {
        language: 'english',
        skills: ['billing', 'escalation'],
        priority: 5,
        customAttributes: { region: 'Europe', language: 'ignored' },
      },
    });
    expect(body).toEqual({
      channel: {
        from: { id: 'u-42', idType: 'Opaque', nickname: 'Ada', firstName: 'Ada', lastName: 'L', email: 'ada@example.com' },
        messageId: 'm-1',
        time: '2026-01-01T10:00:00.000Z',
        metadata: { customAttributes: { language: 'english', skills: 'billing,escalation', priority: '5', region: 'Europe' } },
      },
      text: 'I want a human',
      content: [
        { attachment: { mediaType: 'Image', url: 'https://files.example.com/a.png', mime: 'image/png', filename: 'a.png' } },
        { attachment: { mediaType: 'File', url: 'https://files.example.com/b', mime: 'application/zip' } },
      ],
    });
    expect(Object.keys(body.channel.metadata!.customAttributes)).toEqual(['language', 'skills', 'priority', 'region']);
    expect(body).not.toHaveProperty('metadata');
  });

  it('omits metadata without routing data and empty routing fields', () => {
    const plain = inboundMessageBody({ customer: { id: 'u-1' }, messageId: 'm-2', time: 't', text: 'hi' });
    expect(plain.channel).toEqual({ from: { id: 'u-1', idType: 'Opaque' }, messageId: 'm-2', time: 't' });
    expect(routingAttributes({ skills: [], customAttributes: {} })).toEqual({});
    expect(routingAttributes({ skills: [], priority: 0, customAttributes: {} })).toEqual({ priority: '0' });
  });

  it('builds typing, receipt and structured response bodies', () => {
    expect(typingEventBody({ id: 'u-1' }, 't')).toEqual({
      channel: { from: { id: 'u-1', idType: 'Opaque' }, time: 't' },
      events: [{ eventType: 'Typing' }],
    });
    expect(receiptBody({ customer, providerMessageId: 'g-1', status: 'Delivered', time: 't' })).toEqual({
      id: 'g-1',
      channel: { to: { id: 'u-42', idType: 'Opaque' }, time: 't' },
      status: 'Delivered',
      direction: 'Outbound',
      isFinalReceipt: true,
    });
    expect(
      receiptBody({
        customer,
        providerMessageId: 'g-1',
        status: 'Failed',
        time: 't',
        reason: { code: 'RateLimited', message: 'slow down' },
      }).reasons,
    ).toEqual([{ code: 'RateLimited', message: 'slow down' }]);
    expect(
      receiptBody({ customer, providerMessageId: 'g-1', status: 'Failed', time: 't', reason: { code: 'Nope', message: 'x' } }).reasons,
    ).toEqual([{ code: 'GeneralError', message: 'x' }]);
    expect(receiptBody({ customer, providerMessageId: 'g-1', status: 'Failed', time: 't' }).reasons?.[0].code).toBe('GeneralError');
    expect(
      structuredResponseBody({
        customer: { id: 'u-1' },
        messageId: 'm-3',
        time: 't',
        type: 'QuickReply',
        text: 'Yes',
        payload: 'yes',
        originatingMessageId: 'g-9',
      }),
    ).toEqual({
      channel: { from: { id: 'u-1', idType: 'Opaque' }, messageId: 'm-3', time: 't' },
      buttonResponse: { type: 'QuickReply', text: 'Yes', payload: 'yes' },
      originatingMessageId: 'g-9',
    });
  });
});
