import { addressOf, consumerIdFor } from './customer-ids';
import { customerTexts, NEXUS_REASON_CODES, receiptBody, textBody } from './nexus-payloads';

describe('Nexus request bodies', () => {
  it('a customer Text goes from the consumer to the channel, one message per request', () => {
    expect(textBody('0123456789', 'u-42', 'Hello')).toEqual({
      messages: [{ channel: { from: { id: 'u-42' }, to: { id: '0123456789' } }, type: 'Text', text: 'Hello' }],
    });
  });

  it('a Delivered receipt goes from the channel to the consumer, naming the agent message', () => {
    expect(receiptBody('0123456789', 'u-42', '1613474523265-0', 'Delivered')).toEqual({
      messages: [
        { channel: { from: { id: '0123456789' }, to: { id: 'u-42' }, messageId: '1613474523265-0' }, type: 'Receipt', status: 'Delivered' },
      ],
    });
  });

  it('a Failed receipt carries a numeric reason code mapped from the neutral reason', () => {
    const body = receiptBody('c', 'u', 'm', 'Failed', { code: 'RateLimited', message: 'Bot callback answered 429' });
    expect(body.messages[0]).toMatchObject({ status: 'Failed', reasons: [{ code: 310, message: 'Bot callback answered 429' }] });
    expect(receiptBody('c', 'u', 'm', 'Failed', { code: 'ServerError', message: '' }).messages[0]).toMatchObject({
      reasons: [{ code: 500, message: expect.any(String) }],
    });
    expect(Object.values(NEXUS_REASON_CODES).sort()).toEqual([305, 310, 350, 500, 510, 512, 520, 530]);
  });

  it('attachments travel as their URLs after the text, and long texts are cut without splitting a surrogate pair', () => {
    expect(
      customerTexts({
        text: 'See the invoice',
        attachments: [{ url: 'https://files.example/inv.png', mime: 'image/png', filename: 'inv.png' }],
      }),
    ).toEqual(['See the invoice\n[Attachment inv.png (image/png)] https://files.example/inv.png']);
    expect(customerTexts({ attachments: [{ url: 'https://files.example/a', mime: '' }] })).toEqual([
      '[Attachment] https://files.example/a',
    ]);
    const pieces = customerTexts({ text: `${'a'.repeat(9)}👩🏽${'b'.repeat(5)}` }, 10);
    expect(pieces.join('')).toBe(`${'a'.repeat(9)}👩🏽${'b'.repeat(5)}`);
    expect(pieces[0]).toBe('a'.repeat(9));
    expect(pieces.every((p) => p.length <= 10)).toBe(true);
    expect(customerTexts({ text: '' })).toEqual([]);
  });
});

describe('consumer ids', () => {
  const handoverId = 'ho_AAAAAAAAAAAAAAAAAAAAAA';

  it('per-user is the bot userId; per-handover is hc-<handoverId>', () => {
    expect(consumerIdFor('per-user', { userId: 'u-42', handoverId })).toBe('u-42');
    expect(consumerIdFor('per-handover', { userId: 'u-42', handoverId })).toBe(`hc-${handoverId}`);
  });

  it('a per-handover id names its handover; anything else is a user id', () => {
    expect(addressOf(`hc-${handoverId}`)).toEqual({ customerId: `hc-${handoverId}`, handoverId });
    expect(addressOf('u-42')).toEqual({ customerId: 'u-42' });
    expect(addressOf('hc-ho_short')).toEqual({ customerId: 'hc-ho_short' });
  });
});
