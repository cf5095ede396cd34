import request from 'supertest';
import { handoverToAgent } from '../integrations/cognigy/src/nodes/handoverToAgent';
import { fakeCognigy, runNode } from '../integrations/cognigy/test/support/fake-cognigy';
import { FakeCognigy } from './support/fake-cognigy';
import { createHandoverFixture, HandoverFixture, INTEGRATION_ID } from './support/handover-fixture';
import { TEST_ADMIN_TOKEN } from './support/test-app';
import { eventually } from './support/wait-for-jobs';

/**
 * A Cognigy endpoint end to end: the extension's Hand over to agent node starts the handover, the connector talks
 * to the Genesys emulator, and its events reach a fake Cognigy, which shows agent messages (Notify) and runs the
 * Flow's Handover router on every Inject, as a Flow would.
 */
describe('Cognigy.AI: Notify, Inject and the extension against a fake Cognigy', () => {
  let cognigy: FakeCognigy;
  let f: HandoverFixture;
  const connection = () => ({ baseUrl: f.baseUrl, endpointId: f.endpointId, apiKey: f.apiKey });
  const inboundTexts = (userId: string) =>
    (f.emulator.conversation(f.emulator.conversationFor(INTEGRATION_ID, userId)!.id)?.messages ?? [])
      .filter((m) => m.direction === 'Inbound' && m.type === 'Text')
      .map((m) => (m.payload as { text?: string }).text);

  beforeAll(async () => {
    cognigy = await FakeCognigy.start();
    f = await createHandoverFixture({
      bot: { cognigy: { notifyUrl: `${cognigy.url}/notify/token-main` } },
      env: { DELIVERY_BACKOFF_MS: '50' },
      handoverDefaults: { queueUpdateIntervalSeconds: 0 },
    });
    cognigy.router = { connection: connection() };
  });

  afterAll(async () => {
    await f.close();
    await cognigy.close();
  });

  it('hands over, shows the agent, forwards the user through the router, and gives the Flow back when the agent ends', async () => {
    // The Flow's Hand over to agent node, on the Webchat Endpoint "token-web".
    const node = fakeCognigy({ input: { sessionId: 's-cog', userId: 'u-cog', URLToken: 'token-web', text: 'agent please' } });
    await runNode(handoverToAgent, node, { connection: connection(), skills: 'billing', text: 'Connecting you to an agent…' });
    expect(node.nextNodes()).toEqual(['child:handoverToAgentOnRequested']);
    cognigy.session('s-cog').context = node.context;

    // Queued: an Inject, so the Flow runs; its router writes Cognigy's handover status.
    await eventually(() => expect(cognigy.eventTypes('s-cog')).toContain('handover.queued'));
    const queued = cognigy.requests.find((r) => r.body.data?.handover?.type === 'handover.queued')!;
    expect(queued).toMatchObject({ api: 'inject', urlToken: 'token-web', body: { userId: 'u-cog', text: '' } });
    expect(queued.body.data?.handover?.status).toBe('queue');
    expect(cognigy.session('s-cog').branches.at(-1)).toMatchObject({ branch: 'queued', handover: { status: 'queue' } });

    // The agent joins, types (not sent to Cognigy) and writes: the join is injected, the message notified.
    const conversation = f.emulator.conversationFor(INTEGRATION_ID, 'u-cog')!;
    f.emulator.joinAgent(conversation.id, { agentName: 'Sam' });
    await eventually(() => expect(cognigy.eventTypes('s-cog')).toContain('agent.joined'));
    f.emulator.agentTyping(conversation.id);
    f.emulator.agentMessage(conversation.id, { text: 'Hello, I am Sam' });
    f.emulator.agentMessage(conversation.id, {
      attachments: [{ url: 'https://files.example.com/invoice.pdf', mime: 'application/pdf', filename: 'invoice.pdf' }],
    });
    await eventually(() => expect(cognigy.eventTypes('s-cog').filter((t) => t === 'agent.message')).toHaveLength(2));
    expect(cognigy.eventTypes('s-cog')).toEqual(['handover.queued', 'agent.joined', 'agent.message', 'agent.message']);
    const apis = cognigy.requests.filter((r) => r.body.sessionId === 's-cog').map((r) => r.api);
    expect(apis).toEqual(['inject', 'inject', 'notify', 'notify']);
    expect(cognigy.session('s-cog').branches.at(-1)).toMatchObject({ branch: 'agentJoined', handover: { status: 'active' } });
    expect(cognigy.session('s-cog').said).toEqual(
      expect.arrayContaining(['Hello, I am Sam', 'invoice.pdf: https://files.example.com/invoice.pdf']),
    );

    // The user answers: the router forwards the input to the agent, with Cognigy's inputId as the messageId.
    const forwarded = await cognigy.runFlow({ sessionId: 's-cog', userId: 'u-cog', text: 'My order is 42' });
    expect(forwarded).toMatchObject({ branch: 'whileLive', detail: 'forwarded' });
    await eventually(() => expect(inboundTexts('u-cog')).toContain('My order is 42'));

    // The agent ends: handover.ended is injected once, the router says the handover is completed.
    f.emulator.endConversation(conversation.id);
    await eventually(() => expect(cognigy.eventTypes('s-cog')).toContain('handover.ended'));
    const ended = cognigy.requests.find((r) => r.body.data?.handover?.type === 'handover.ended')!;
    expect(ended).toMatchObject({ api: 'inject', urlToken: 'token-web' });
    expect(ended.body.data?.handover?.status).toBe('completed');
    expect(cognigy.session('s-cog').branches.at(-1)).toMatchObject({ branch: 'ended', handover: { status: 'completed' } });
    expect(cognigy.eventTypes('s-cog').filter((t) => t === 'handover.ended')).toHaveLength(1);

    // The bot has the conversation again: the router no longer forwards.
    const after = await cognigy.runFlow({ sessionId: 's-cog', userId: 'u-cog', text: 'thanks' });
    expect(after.branch).toBe('noHandover');
    expect(inboundTexts('u-cog')).not.toContain('thanks');
  });

  it('releases from the Flow on a cancel text, injected as cancelled', async () => {
    const node = fakeCognigy({ input: { sessionId: 's-cancel', userId: 'u-cancel', URLToken: 'token-main' } });
    await runNode(handoverToAgent, node, { connection: connection(), quickReply: 'Cancel' });
    cognigy.session('s-cancel').context = node.context;
    await eventually(() => expect(cognigy.eventTypes('s-cancel')).toContain('handover.queued'));

    const cancel = await cognigy.runFlow({ sessionId: 's-cancel', userId: 'u-cancel', text: 'Cancel' });
    expect(cancel.branch).toBe('cancelled');
    await eventually(() => expect(cognigy.eventTypes('s-cancel')).toContain('handover.ended'));
    const ended = cognigy.requests.find((r) => r.body.sessionId === 's-cancel' && r.body.data?.handover?.type === 'handover.ended')!;
    expect(ended.body.data?.handover).toMatchObject({ status: 'cancelled', data: { reason: 'bot_released' } });
  });

  it('keeps order per session and retries when Cognigy answers 503', async () => {
    const node = fakeCognigy({ input: { sessionId: 's-retry', userId: 'u-retry', URLToken: 'token-main' } });
    await runNode(handoverToAgent, node, { connection: connection() });
    cognigy.session('s-retry').context = node.context;
    await eventually(() => expect(cognigy.eventTypes('s-retry')).toContain('handover.queued'));
    const conversation = f.emulator.conversationFor(INTEGRATION_ID, 'u-retry')!;
    f.emulator.joinAgent(conversation.id, { agentName: 'Kim' });
    await eventually(() => expect(cognigy.eventTypes('s-retry')).toContain('agent.joined'));

    cognigy.failNext(3);
    for (const text of ['one', 'two', 'three']) f.emulator.agentMessage(conversation.id, { text });
    await eventually(() => expect(cognigy.eventTypes('s-retry').filter((t) => t === 'agent.message')).toHaveLength(3), {
      timeoutMs: 15000,
    });
    const texts = cognigy.requests.filter((r) => r.body.sessionId === 's-retry' && r.api === 'notify').map((r) => r.body.text);
    expect(texts).toEqual(['one', 'two', 'three']);
  });

  it('refuses a per-handover urlToken on an endpoint without Cognigy callbacks, and a malformed one', async () => {
    const created = await request(f.t.app.getHttpServer())
      .post('/admin/v1/endpoints')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .send({
        id: 'signed-bot',
        bot: { callbackUrl: f.bot.url, callbackSecret: 'bot-callback-secret-0123456789abcdef' },
        provider: {
          type: 'genesys-cloud-open-messaging',
          apiBaseUrl: f.emulator.url,
          loginBaseUrl: f.emulator.url,
          clientId: 'c',
          clientSecret: 's',
          integrationId: INTEGRATION_ID,
          webhookSecret: 'w'.repeat(20),
        },
      })
      .expect(201);
    const start = (endpointId: string, apiKey: string, body: object) =>
      request(f.t.app.getHttpServer()).post(`/v1/endpoints/${endpointId}/handovers`).set('Authorization', `Bearer ${apiKey}`).send(body);
    const signed = await start('signed-bot', created.body.apiKey, { sessionId: 's-x', userId: 'u-x', cognigy: { urlToken: 'abc' } });
    expect(signed.status).toBe(400);
    expect(signed.body.message).toEqual(['cognigy.urlToken needs an endpoint whose bot is Cognigy (bot.cognigy)']);
    const malformed = await start(f.endpointId, f.apiKey, { sessionId: 's-y', userId: 'u-y', cognigy: { urlToken: '../inject/x' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toEqual(['cognigy.urlToken must be 1-128 letters, digits, "_" or "-"']);
  });
});

describe('Cognigy.AI REST API form', () => {
  let cognigy: FakeCognigy;
  let f: HandoverFixture;

  beforeAll(async () => {
    cognigy = await FakeCognigy.start({ apiKey: 'rest-api-key-0123456789' });
    f = await createHandoverFixture({
      bot: { cognigy: { apiBaseUrl: cognigy.url, apiKey: 'rest-api-key-0123456789', urlToken: 'token-rest' } },
      handoverDefaults: { queueUpdateIntervalSeconds: 0 },
    });
  });

  afterAll(async () => {
    await f.close();
    await cognigy.close();
  });

  it('calls /new/v2.0/endpoint/{inject,notify} with X-API-Key and the URLToken in the body', async () => {
    await request(f.t.app.getHttpServer())
      .post(`/v1/endpoints/${f.endpointId}/handovers`)
      .set('Authorization', `Bearer ${f.apiKey}`)
      .send({ sessionId: 's-rest', userId: 'u-rest' })
      .expect(202);
    await eventually(() => expect(cognigy.eventTypes('s-rest')).toContain('handover.queued'));
    const conversation = f.emulator.conversationFor(INTEGRATION_ID, 'u-rest')!;
    f.emulator.joinAgent(conversation.id, { agentName: 'Lee' });
    await eventually(() => expect(cognigy.eventTypes('s-rest')).toContain('agent.joined'));
    f.emulator.agentMessage(conversation.id, { text: 'Hi from Lee' });
    await eventually(() => expect(cognigy.eventTypes('s-rest')).toContain('agent.message'));
    expect(cognigy.requests.map((r) => [r.api, r.urlToken, r.apiKey, r.body.data?.handover?.type])).toEqual([
      ['inject', 'token-rest', 'rest-api-key-0123456789', 'handover.queued'],
      ['inject', 'token-rest', 'rest-api-key-0123456789', 'agent.joined'],
      ['notify', 'token-rest', 'rest-api-key-0123456789', 'agent.message'],
    ]);
  });
});
