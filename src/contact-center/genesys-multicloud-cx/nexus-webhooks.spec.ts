import { NexusWebhookShapeError, normaliseAgentWebhook, normaliseInteractionsWebhook } from './nexus-webhooks';

const at = '2026-01-01T10:00:00.000Z';
const sms = {
  channel: { id: '0123456789', type: 'sms', from: { id: '0123456789' }, to: { id: '16504661149' }, messageId: '1613474523265-0' },
  type: 'Text',
  text: 'Agent message text',
};

describe('the Third-Party Messaging webhook, normalised', () => {
  it('an agent Text (the official SMS example) becomes an agent.message addressed to the consumer', () => {
    expect(normaliseAgentWebhook(sms, at)).toEqual({
      messageId: '1613474523265-0',
      items: [
        {
          kind: 'event',
          messageId: '1613474523265-0',
          consumerId: '16504661149',
          event: {
            kind: 'agent.message',
            providerEventId: '1613474523265-0',
            customerId: '16504661149',
            time: at,
            text: 'Agent message text',
            attachments: [],
            quickReplies: [],
            cards: [],
            agentName: undefined,
          },
        },
      ],
    });
  });

  it('a per-handover consumer id names its handover; an email-style `to` array counts its first id', () => {
    const handoverId = 'ho_AAAAAAAAAAAAAAAAAAAAAA';
    const item = normaliseAgentWebhook({ ...sms, channel: { ...sms.channel, to: [{ id: `hc-${handoverId}`, name: 'Ada' }] } }).items[0];
    expect(item).toMatchObject({ kind: 'event', consumerId: `hc-${handoverId}`, event: { handoverId } });
  });

  it('an unsupported type is refused with UnsupportedMessage (510), a Text without text with InvalidMessageStructure (520)', () => {
    expect(normaliseAgentWebhook({ ...sms, type: 'RichMedia\n<x>' }).items[0]).toEqual({
      kind: 'refused',
      messageId: '1613474523265-0',
      consumerId: '16504661149',
      reason: 'UnsupportedMessage',
      type: 'RichMedia??x?',
    });
    expect(normaliseAgentWebhook({ ...sms, text: '' }).items[0]).toMatchObject({ kind: 'refused', reason: 'InvalidMessageStructure' });
  });

  it('a receipt from Nexus becomes a receipt event; a `messages` array is read too', () => {
    const receipt = { channel: sms.channel, type: 'Receipt', status: 'Failed', reasons: [{ code: 530, message: 'gone' }] };
    const webhook = normaliseAgentWebhook({ messages: [receipt, sms] }, at);
    expect(webhook.messageId).toBe('1613474523265-0');
    expect(webhook.items.map((i) => i.kind === 'event' && i.event.kind)).toEqual(['receipt', 'agent.message']);
    expect(webhook.items[0]).toMatchObject({ event: { status: 'Failed', reasons: [{ code: '530', message: 'gone' }] } });
  });

  it('without channel.messageId an id is made up, so the answer still carries one', () => {
    const { messageId } = normaliseAgentWebhook({ ...sms, channel: { ...sms.channel, messageId: undefined } });
    expect(messageId).toMatch(/^hc-/);
  });

  it.each([
    ['an array', [sms]],
    ['a string', 'hello'],
    ['null', null],
    ['no channel', { type: 'Text', text: 'x' }],
    ['no consumer', { ...sms, channel: { ...sms.channel, to: {} } }],
    ['an empty messages array', { messages: [] }],
    ['a non-object message', { messages: [1] }],
  ])('refuses %s as not a message', (_name, body) => {
    expect(() => normaliseAgentWebhook(body)).toThrow(NexusWebhookShapeError);
  });
});

describe('the Interactions webhook, normalised', () => {
  const payload = (event: string, id = '8e09e19f-b8ba-4db0-b6e7-dfc8a7776176') => ({
    operationId: 'f6c49d91-926b-4473-b2f3-8d8fd295c968',
    data: { entities: [{ event, entity: { id, mediaType: 'chat', interactionSubtype: 'InboundNew', selfUri: 'x' } }] },
  });

  it('FINISHED becomes conversation.ended for the interaction; STARTED is only acknowledged', () => {
    expect(normaliseInteractionsWebhook(payload('FINISHED'), at)).toEqual({
      events: [
        {
          kind: 'conversation.signal',
          signal: 'conversation.ended',
          providerEventId: 'f6c49d91-926b-4473-b2f3-8d8fd295c968:8e09e19f-b8ba-4db0-b6e7-dfc8a7776176',
          conversationId: '8e09e19f-b8ba-4db0-b6e7-dfc8a7776176',
          time: at,
        },
      ],
      ignored: 0,
    });
    expect(normaliseInteractionsWebhook(payload('STARTED'))).toEqual({ events: [], ignored: 1 });
    expect(normaliseInteractionsWebhook(payload('FINISHED', ''))).toEqual({ events: [], ignored: 1 });
  });

  it.each([
    ['no data', {}],
    ['entities not an array', { data: { entities: {} } }],
    ['an array', []],
  ])('refuses %s', (_n, body) => {
    expect(() => normaliseInteractionsWebhook(body)).toThrow(NexusWebhookShapeError);
  });
});
