import request from 'supertest';
import type { BotEvent } from '../src/handover/domain/bot-events';
import { createHandoverFixture, emulatorAccessToken, HandoverFixture, INTEGRATION_ID } from './support/handover-fixture';
import { eventually } from './support/wait-for-jobs';

type Message = BotEvent<'agent.message'>;

/** Quick replies and buttons go back as what they are: an inbound structured response, as the SDK model requires. */
describe('quick replies, buttons and rich content (Genesys emulator)', () => {
  let f: HandoverFixture;
  let conversationId: string;
  const SESSION = 'qr';
  const bot = (path: string) =>
    request(f.t.app.getHttpServer()).post(`/v1/endpoints/${f.endpointId}${path}`).set('Authorization', `Bearer ${f.apiKey}`);
  const messages = () => f.bot.forSession(SESSION).filter((e): e is Message => e.type === 'agent.message');
  const inbound = () => f.emulator.conversation(conversationId)!.messages.filter((m) => m.direction === 'Inbound');
  const agentSays = async (input: Parameters<HandoverFixture['emulator']['agentMessage']>[1]) => {
    const sent = f.emulator.agentMessage(conversationId, input);
    await eventually(() => expect(messages().map((m) => m.data.messageId)).toContain(sent.id));
    return messages().find((m) => m.data.messageId === sent.id)!;
  };

  beforeAll(async () => {
    f = await createHandoverFixture({ emulator: { checkOriginatingMessage: true } });
    await bot('/handovers').send({ sessionId: SESSION, userId: 'u-qr', text: 'hello' }).expect(202);
    await eventually(() => expect(f.bot.typesFor(SESSION)).toContain('handover.queued'));
    conversationId = f.emulator.conversationFor(INTEGRATION_ID, 'u-qr')!.id;
    f.emulator.joinAgent(conversationId, { agentName: 'Sam' });
    await eventually(() => expect(f.bot.typesFor(SESSION)).toContain('agent.joined'));
  });

  afterAll(async () => {
    await f.close();
  });

  it('every agent.message carries data.messageId, the Genesys id of the message', async () => {
    const plain = await agentSays({ text: 'Hi there' });
    expect(plain.data.messageId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a quick-reply click arrives at Genesys as a structured response naming the message that offered it', async () => {
    const offer = await agentSays({ text: 'Did that help?', quickReplies: [{ text: 'Yes', payload: 'yes' }, { text: 'No' }] });
    expect(offer.data.quickReplies).toEqual([
      { text: 'Yes', payload: 'yes' },
      { text: 'No', payload: 'No' },
    ]);
    await bot(`/sessions/${SESSION}/messages`)
      .send({ messageId: 'click-1', text: 'Yes', quickReply: { messageId: offer.data.messageId, payload: 'yes', text: 'Yes' } })
      .expect(202);
    await eventually(() => expect(inbound().filter((m) => m.type === 'Structured')).toHaveLength(1));
    const [click] = inbound().filter((m) => m.type === 'Structured');
    expect(click.payload).toMatchObject({
      channel: { messageId: 'click-1', from: { id: 'u-qr', idType: 'Opaque' } },
      content: [{ contentType: 'ButtonResponse', buttonResponse: { type: 'QuickReply', text: 'Yes', payload: 'yes' } }],
      originatingMessageId: offer.data.messageId,
    });
    // The label is the response text: it is not sent again as a Text message.
    await new Promise((r) => setTimeout(r, 200));
    expect(inbound().some((m) => m.type === 'Text' && (m.payload as { text?: string }).text === 'Yes')).toBe(false);
  });

  it('a card button goes back as a Button response; a text other than the label follows as a message', async () => {
    const offer = await agentSays({ cards: [{ title: 'Plan A', actions: [{ text: 'Choose A', payload: 'plan-a' }] }] });
    expect(offer.data.cards).toEqual([{ title: 'Plan A', actions: [{ type: 'postback', text: 'Choose A', payload: 'plan-a' }] }]);
    await bot(`/sessions/${SESSION}/messages`)
      .send({
        messageId: 'click-2',
        text: 'A, please, monthly',
        quickReply: { messageId: offer.data.messageId, payload: 'plan-a', text: 'Choose A' },
      })
      .expect(202);
    await eventually(() => expect(inbound().some((m) => (m.payload as { text?: string }).text === 'A, please, monthly')).toBe(true));
    const click = inbound().find((m) => m.type === 'Structured' && (m.payload.channel as { messageId: string }).messageId === 'click-2')!;
    expect(click.payload).toMatchObject({
      content: [{ buttonResponse: { type: 'Button', text: 'Choose A', payload: 'plan-a' } }],
      originatingMessageId: offer.data.messageId,
    });
    const follow = inbound().find((m) => (m.payload as { text?: string }).text === 'A, please, monthly')!;
    expect(follow.seq).toBeGreaterThan(click.seq);
    expect((follow.payload.channel as { messageId: string }).messageId).toBe('click-2-m');
  });

  it('refuses a bad quickReply with 400 naming the field, and queues nothing', async () => {
    const plain = await agentSays({ text: 'No choices here' });
    // Customer messages only: the Delivered receipt of the agent's message may still be on its way.
    const sentByCustomer = () => inbound().filter((m) => m.type !== 'Receipt').length;
    const before = sentByCustomer();
    const missing = await bot(`/sessions/${SESSION}/messages`).send({ quickReply: { messageId: plain.data.messageId, text: 'Yes' } });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/^quickReply\.payload /)]));
    const unknown = await bot(`/sessions/${SESSION}/messages`).send({
      quickReply: { messageId: 'not-a-message', payload: 'x', text: 'x' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toEqual([expect.stringMatching(/^quickReply\.messageId must be the data\.messageId/)]);
    const offersNothing = await bot(`/sessions/${SESSION}/messages`).send({
      quickReply: { messageId: plain.data.messageId, payload: 'x', text: 'x' },
    });
    expect(offersNothing.status).toBe(400);
    expect(offersNothing.body.message).toEqual([expect.stringMatching(/^quickReply\.messageId names an agent\.message without/)]);
    await new Promise((r) => setTimeout(r, 200));
    expect(sentByCustomer()).toBe(before);
  });

  it('relays the content bot flows send (QuickReplyV2, ListPicker, Location, Form) instead of dropping it', async () => {
    const form = { contentType: 'Form', form: { id: 'f-1', title: 'Your details', pages: [] } };
    const rich = await agentSays({
      originatingEntity: 'Bot',
      content: [
        {
          contentType: 'QuickReplyV2',
          quickReplyV2: { title: 'How was it?', actions: [{ text: 'Good', payload: 'good', action: 'Message' }] },
        },
        {
          contentType: 'ListPicker',
          listPicker: {
            receivedMessage: { title: 'Pick a plan' },
            sections: [{ title: 'Plans', items: [{ id: 'basic', title: 'Basic' }] }],
          },
        },
        { contentType: 'Location', location: { text: 'Shop', latitude: 48.1, longitude: 11.5 } },
        form,
      ],
    });
    expect(rich.data).toMatchObject({
      text: 'How was it?',
      quickReplies: [{ text: 'Good', payload: 'good' }],
      listPicker: { title: 'Pick a plan', sections: [{ title: 'Plans', items: [{ id: 'basic', title: 'Basic' }] }] },
      location: { text: 'Shop', latitude: 48.1, longitude: 11.5 },
      otherContent: [form],
    });
    // Its QuickReplyV2 actions answer like quick replies.
    await bot(`/sessions/${SESSION}/messages`)
      .send({ messageId: 'click-3', quickReply: { messageId: rich.data.messageId, payload: 'good', text: 'Good' } })
      .expect(202);
    await eventually(() =>
      expect(inbound().find((m) => (m.payload.channel as { messageId: string }).messageId === 'click-3')?.payload).toMatchObject({
        content: [{ buttonResponse: { type: 'QuickReply', payload: 'good' } }],
        originatingMessageId: rich.data.messageId,
      }),
    );
  });

  it('the emulator refuses a structured response without the fields the SDK model requires', async () => {
    const token = await emulatorAccessToken(f.emulator.url);
    const post = (body: unknown) =>
      fetch(`${f.emulator.url}/api/v2/conversations/messages/${INTEGRATION_ID}/inbound/open/structured/response`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, message: ((await r.json()) as { message: string }).message }));
    const channel = { from: { id: 'u-qr', idType: 'Opaque' }, time: new Date().toISOString() };
    expect(await post({ channel, buttonResponse: { type: 'QuickReply', text: 'Yes', payload: 'yes' } })).toEqual({
      status: 400,
      message: "should have required property 'originatingMessageId'",
    });
    expect(await post({ channel, buttonResponse: { type: 'QuickReply', payload: 'yes' }, originatingMessageId: 'x' })).toEqual({
      status: 400,
      message: "buttonResponse should have required property 'text'",
    });
    expect(
      await post({ channel, buttonResponse: { type: 'QuickReply', text: 'Yes', payload: 'yes' }, originatingMessageId: 'nope' }),
    ).toMatchObject({
      status: 400,
    });
  });
});
