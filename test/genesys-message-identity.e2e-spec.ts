import request from 'supertest';
import type { LogEntry } from '../tools/emulators/genesys-cloud';
import { createHandoverFixture, emulatorAccessToken, HandoverFixture, INTEGRATION_ID } from './support/handover-fixture';
import { eventually } from './support/wait-for-jobs';

type Inbound = { text?: string; channel: { messageId: string; time: string }; content: { attachment: { url: string } }[] };

/** A message's identity at Genesys is its channel.messageId and channel.time; one Attachment item per message. */
describe('customer messages as Genesys identifies and limits them (Genesys emulator)', () => {
  let f: HandoverFixture;
  const bot = (path: string) =>
    request(f.t.app.getHttpServer()).post(`/v1/endpoints/${f.endpointId}${path}`).set('Authorization', `Bearer ${f.apiKey}`);
  const inboundPath = `/api/v2/conversations/messages/${INTEGRATION_ID}/inbound/open/message`;
  const calls = () => f.emulator.apiCalls().countsByPath[inboundPath] ?? 0;
  const inbound = (conversationId: string) =>
    f.emulator
      .conversation(conversationId)!
      .messages.filter((m: LogEntry) => m.direction === 'Inbound' && m.type === 'Text')
      .map((m) => m.payload as unknown as Inbound);

  async function active(sessionId: string): Promise<string> {
    await bot('/handovers')
      .send({ sessionId, userId: `u-${sessionId}`, text: 'hello' })
      .expect(202);
    await eventually(() => expect(f.bot.typesFor(sessionId)).toContain('handover.queued'));
    const conversationId = f.emulator.conversationFor(INTEGRATION_ID, `u-${sessionId}`)!.id;
    f.emulator.joinAgent(conversationId, { agentName: 'Sam' });
    await eventually(() => expect(f.bot.typesFor(sessionId)).toContain('agent.joined'));
    return conversationId;
  }

  beforeAll(async () => {
    f = await createHandoverFixture();
  });

  afterAll(async () => {
    await f.close();
  });

  it('a message retried after lost answers reaches Genesys once, with the same channel.messageId and channel.time', async () => {
    const conversationId = await active('retry');
    const before = calls();
    // Four answers lost: more than the in-place retries of one attempt, so the lane runs the command again.
    f.emulator.addFault({ mode: 'lost-response', count: 4, pathPrefix: inboundPath });
    await bot('/sessions/retry/messages').send({ messageId: 'm-retry', text: 'retry me' }).expect(202);
    await eventually(() => expect(calls()).toBeGreaterThanOrEqual(before + 5), { timeoutMs: 20000 });
    await eventually(() => expect(f.emulator.state().faults).toEqual([]));
    await new Promise((r) => setTimeout(r, 300));
    const sent = inbound(conversationId).filter((m) => m.text === 'retry me');
    expect(sent).toHaveLength(1);
    expect(sent[0].channel.messageId).toBe('m-retry');
    expect(Date.parse(sent[0].channel.time)).not.toBeNaN();
  });

  it('splits attachments, one per message, in order, the text with the first; a retried part is not repeated', async () => {
    const conversationId = await active('attachments');
    const urls = ['https://cdn.example.com/1.png', 'https://cdn.example.com/2.pdf', 'https://cdn.example.com/3.jpg'];
    const mimes = ['image/png', 'application/pdf', 'image/jpeg'];
    // The second part's answer is lost four times: the first part is sent again, and must not show twice.
    let seen = 0;
    const off = f.emulator.onChange((change) => {
      if (change.type === 'message' && change.entry.direction === 'Inbound' && ++seen === 1) {
        f.emulator.addFault({ mode: 'lost-response', count: 4, pathPrefix: inboundPath });
      }
    });
    await bot('/sessions/attachments/messages')
      .send({ messageId: 'm-att', text: 'three files', attachments: urls.map((url, i) => ({ url, mime: mimes[i] })) })
      .expect(202);
    await eventually(() => expect(inbound(conversationId).filter((m) => m.channel.messageId.startsWith('m-att'))).toHaveLength(3), {
      timeoutMs: 20000,
    });
    off();
    await eventually(() => expect(f.emulator.state().faults).toEqual([]));
    await new Promise((r) => setTimeout(r, 300));
    const parts = inbound(conversationId).filter((m) => m.channel.messageId.startsWith('m-att'));
    expect(parts.map((m) => m.channel.messageId)).toEqual(['m-att', 'm-att-a1', 'm-att-a2']);
    expect(parts.map((m) => m.content.map((c) => c.attachment.url))).toEqual(urls.map((u) => [u]));
    expect(parts.map((m) => m.text)).toEqual(['three files', undefined, undefined]);
    const times = parts.map((m) => Date.parse(m.channel.time));
    expect(times[1] - times[0]).toBe(1);
    expect(times[2] - times[1]).toBe(1);
  });

  it('the emulator refuses a message with two Attachment items, as the schema allows one', async () => {
    const token = await emulatorAccessToken(f.emulator.url);
    const attachment = (url: string) => ({ contentType: 'Attachment', attachment: { mediaType: 'Image', url, mime: 'image/png' } });
    const res = await fetch(`${f.emulator.url}${inboundPath}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        channel: { from: { id: 'two-files', idType: 'Opaque' }, time: new Date().toISOString() },
        content: [attachment('https://x/1.png'), attachment('https://x/2.png')],
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBe('content should NOT have more than 1 items');
  });
});
