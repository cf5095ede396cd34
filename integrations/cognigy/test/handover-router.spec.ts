import { cognigyStatusOf } from '../src/lib/events';
import type { FlowContext } from '../src/lib/state';
import { handoverRouter, routeInput, ROUTER_CHILDREN } from '../src/nodes/handoverRouter';
import { handoverToAgent, HANDOVER_CHILDREN } from '../src/nodes/handoverToAgent';
import { API_CALL_LIMIT, FakeCognigy, fakeCognigy, runNode } from './support/fake-cognigy';
import { FakeConnector, startFakeConnector, unreachableBaseUrl } from './support/fake-connector';

const child = (branch: keyof typeof ROUTER_CHILDREN) => `child:${ROUTER_CHILDREN[branch]}`;

let eventCounter = 0;

/** A connector event as the connector injects it: `{ text: "", data: { handover: <event> } }`; a new event id each time. */
function injected(type: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  eventCounter += 1;
  return {
    text: '',
    inputId: `inject-${eventCounter}`,
    data: {
      handover: {
        id: `evt_${eventCounter}`,
        type,
        endpointId: 'acme-support',
        sessionId: 's-1',
        userId: 'u-1',
        handoverId: 'h-1',
        time: '2026-01-01T10:00:00.000Z',
        data,
        ...extra,
      },
    },
  };
}

const liveState = (extra: Record<string, unknown> = {}) => ({
  sessionId: 's-1',
  handoverId: 'h-1',
  state: 'active',
  live: true,
  cancelText: 'Cancel',
  cancelIntent: 'cancelHandover',
  seenEventIds: [],
  updatedAt: '2026-01-01T10:00:00.000Z',
  ...extra,
});

describe('Handover router', () => {
  let connector: FakeConnector;
  const connection = () => ({ baseUrl: connector.baseUrl, endpointId: 'acme-support', apiKey: 'key-123' });
  const config = (extra: Record<string, unknown> = {}) => ({
    connection: connection(),
    cancelTexts: ['stop'],
    cancelIntent: '',
    forwardAttachments: true,
    ...extra,
  });

  /** One input through the Router node, as the Flow runs it; returns the branch taken. */
  async function route(fake: FakeCognigy, input: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string[]> {
    fake.resetCalls();
    for (const key of Object.keys(fake.input)) if (!['sessionId', 'userId', 'URLToken'].includes(key)) delete fake.input[key];
    Object.assign(fake.input, { inputId: `in-${Math.random()}`, text: '', data: {} }, input);
    await runNode(handoverRouter, fake, config(extra));
    expect(fake.budgetUsed()).toBeLessThanOrEqual(API_CALL_LIMIT);
    expect(fake.oversized).toEqual([]);
    return fake.nextNodes();
  }

  beforeAll(async () => {
    connector = await startFakeConnector();
  });
  afterEach(() => connector.reset());
  afterAll(() => connector.close());

  it('lets the bot go on when there is no live handover, without calling the connector', async () => {
    const fake = fakeCognigy({});
    expect(await route(fake, { text: 'hello bot' })).toEqual([child('noHandover')]);
    expect(fake.budgetUsed()).toBe(1);
    expect(connector.requests).toHaveLength(0);

    fake.context.handoverConnector = liveState({ state: 'ended', live: false, reason: 'agent_ended' });
    expect(await route(fake, { text: 'hello again' })).toEqual([child('noHandover')]);
    expect(connector.requests).toHaveLength(0);
  });

  it('forwards the user input with messageId = input.inputId while the handover is live, and stays quiet', async () => {
    const fake = fakeCognigy({ context: { handoverConnector: liveState() } });
    const branch = await route(fake, {
      inputId: 'in-77',
      text: 'Here is my invoice',
      data: { attachments: [{ name: 'invoice.pdf', url: 'https://files.example.com/invoice.pdf', type: 'file' }] },
    });
    expect(branch).toEqual([child('whileLive')]);
    expect(connector.requests).toHaveLength(1);
    const [request] = connector.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/endpoints/acme-support/sessions/s-1/messages');
    expect(request.headers.authorization).toBe('Bearer key-123');
    expect(request.body).toEqual({
      messageId: 'in-77',
      text: 'Here is my invoice',
      attachments: [{ url: 'https://files.example.com/invoice.pdf', mime: 'application/pdf', filename: 'invoice.pdf' }],
    });
    expect(fake.said()).toEqual([]);
    expect(fake.budgetUsed()).toBe(1);
  });

  it('forwards a picked quick reply of an agent message as quickReply', async () => {
    const fake = fakeCognigy({ context: { handoverConnector: liveState() } });
    await route(fake, {
      inputId: 'in-78',
      text: 'YES_PAYLOAD',
      data: { quickReply: { messageId: 'gen-msg-1', payload: 'YES_PAYLOAD', text: 'Yes' } },
    });
    expect(connector.requests[0].body).toEqual({
      messageId: 'in-78',
      text: 'YES_PAYLOAD',
      quickReply: { messageId: 'gen-msg-1', payload: 'YES_PAYLOAD', text: 'Yes' },
    });
  });

  it('uses the session id the handover was requested with, URL-encoded', async () => {
    const fake = fakeCognigy({ input: { sessionId: 'other' }, context: { handoverConnector: liveState({ sessionId: 'a/b c' }) } });
    await route(fake, { text: 'hi' });
    expect(connector.requests[0].url).toBe('/v1/endpoints/acme-support/sessions/a%2Fb%20c/messages');
  });

  it('repeats the accepted message while waiting for an agent when the Hand over node asked for it', async () => {
    const fake = fakeCognigy({
      context: {
        handoverConnector: liveState({ state: 'queued', acceptedMessage: 'Please wait for an agent.', repeatAcceptedMessage: true }),
      },
    });
    await route(fake, { text: 'hello?' });
    expect(fake.said().map((s) => s.text)).toEqual(['Please wait for an agent.']);

    fake.context.handoverConnector = liveState({
      state: 'active',
      acceptedMessage: 'Please wait for an agent.',
      repeatAcceptedMessage: true,
    });
    await route(fake, { text: 'thanks' });
    expect(fake.said()).toEqual([]);
  });

  it('takes While Live without a request when there is nothing to forward', async () => {
    const fake = fakeCognigy({ context: { handoverConnector: liveState() } });
    expect(await route(fake, { text: '   ', data: { something: 1 } })).toEqual([child('whileLive')]);
    expect(connector.requests).toHaveLength(0);
  });

  it.each([
    ['the Cancel Button Text of the Hand over node', { text: ' cancel ' }],
    ['a cancel text of the Router', { text: 'STOP' }],
    ['the Cancel Intent', { text: 'I changed my mind', intent: 'cancelHandover' }],
  ])('releases on %s and takes On Cancelled', async (_name, input) => {
    connector.reply({ status: 202, body: {} });
    const fake = fakeCognigy({ context: { handoverConnector: liveState() } });
    expect(await route(fake, input)).toEqual([child('cancelled')]);
    expect(connector.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /v1/endpoints/acme-support/sessions/s-1/release']);
    expect(connector.requests[0].headers.authorization).toBe('Bearer key-123');
    expect(fake.input.handover).toEqual({
      status: 'cancelled',
      data: { type: 'handover.ended', reason: 'bot_released', handoverId: 'h-1' },
    });
    expect(fake.context.handoverConnector).toMatchObject({ state: 'ended', live: false, reason: 'bot_released' });

    // The connector's own handover.ended (bot_released) that follows is already handled: quiet, no second "ended".
    expect(await route(fake, injected('handover.ended', { reason: 'bot_released' }, { status: 'cancelled' }))).toEqual([
      child('whileLive'),
    ]);
    expect(fake.callsOf('addToInput')).toEqual([]);
  });

  it('takes On Cancelled when the handover was already gone (409), and On Error when the release fails', async () => {
    connector.reply({ status: 409, body: { message: 'no live handover' } });
    const gone = fakeCognigy({ context: { handoverConnector: liveState() } });
    expect(await route(gone, { text: 'cancel' })).toEqual([child('cancelled')]);
    expect(gone.context.handoverConnector.live).toBe(false);

    connector.reply({ status: 500, body: { message: 'Internal server error' } });
    const failing = fakeCognigy({ context: { handoverConnector: liveState() } });
    expect(await route(failing, { text: 'cancel' })).toEqual([child('error')]);
    expect(failing.context.handoverConnector.live).toBe(true);
    expect(failing.context.handoverConnectorError).toMatchObject({
      node: 'handoverRouter',
      operation: 'release',
      code: 'http',
      status: 500,
    });
  });

  it('clears a stale state and lets the bot answer when the connector has no live handover (409, 404)', async () => {
    for (const status of [409, 404]) {
      connector.reply({ status, body: { message: 'no live handover' } });
      const fake = fakeCognigy({ context: { handoverConnector: liveState() } });
      expect(await route(fake, { text: 'are you there?' })).toEqual([child('noHandover')]);
      expect(fake.context.handoverConnector).toMatchObject({ live: false, state: 'ended' });
      expect(fake.context.handoverConnectorError).toBeUndefined();
    }
  });

  it('takes On Error with the error stored when forwarding fails (401, 500, timeout, unreachable)', async () => {
    connector.reply({ status: 401, body: { message: 'Invalid API key' } });
    const unauthorized = fakeCognigy({ context: { handoverConnector: liveState() } });
    expect(await route(unauthorized, { text: 'hi' })).toEqual([child('error')]);
    expect(unauthorized.context.handoverConnectorError).toMatchObject({
      operation: 'forward',
      code: 'http',
      status: 401,
      message: 'the connector answered 401: Invalid API key',
    });
    expect(unauthorized.context.handoverConnector.live).toBe(true);

    connector.reply({ status: 500 });
    const broken = fakeCognigy({ context: { handoverConnector: liveState() } });
    expect(await route(broken, { text: 'hi' })).toEqual([child('error')]);
    expect(broken.context.handoverConnectorError).toMatchObject({ code: 'http', status: 500 });

    connector.reply({ status: 202, hang: true });
    const slow = fakeCognigy({ context: { handoverConnector: liveState() } });
    expect(await route(slow, { text: 'hi' }, { timeoutMs: 200 })).toEqual([child('error')]);
    expect(slow.context.handoverConnectorError).toMatchObject({ code: 'timeout' });

    const down = fakeCognigy({ input: { text: 'hi' }, context: { handoverConnector: liveState() } });
    await runNode(handoverRouter, down, { connection: { baseUrl: await unreachableBaseUrl(), endpointId: 'acme-support', apiKey: 'k' } });
    expect(down.nextNodes()).toEqual([child('error')]);
    expect(down.context.handoverConnectorError).toMatchObject({ code: 'unreachable' });
  });

  it("follows a handover through the injected connector events and writes Cognigy's input.handover", async () => {
    const fake = fakeCognigy({ context: { handoverConnector: liveState({ state: 'requested' }) } });

    expect(await route(fake, injected('handover.queued', { conversationId: 'conv-1' }, { status: 'queue' }))).toEqual([child('queued')]);
    expect(fake.input.handover).toMatchObject({ status: 'queue', data: { type: 'handover.queued', handoverId: 'h-1' } });
    expect(fake.context.handoverConnector).toMatchObject({ state: 'queued', live: true });

    expect(await route(fake, injected('handover.queue_update', { position: 3, estimatedWaitMs: 90000 }, { status: 'queue' }))).toEqual([
      child('queued'),
    ]);
    expect(fake.input.handover).toEqual({
      status: 'queue',
      eventType: 'queueUpdate',
      data: { type: 'handover.queue_update', handoverId: 'h-1', eventId: expect.any(String), position: 3, estimatedWaitTime: 90000 },
    });
    expect(fake.context.handoverConnector).toMatchObject({ position: 3, estimatedWaitMs: 90000 });

    const joined = injected('agent.joined', { agent: { name: 'Sam' } }, { status: 'active' });
    expect(await route(fake, joined)).toEqual([child('agentJoined')]);
    expect(fake.input.handover).toMatchObject({ status: 'active', data: { agent: { name: 'Sam' } } });
    expect(fake.context.handoverConnector).toMatchObject({ state: 'active', agent: { name: 'Sam' } });
    expect(fake.context.handoverConnector.position).toBeUndefined();

    // Delivery is at least once: the same event again changes nothing.
    expect(await route(fake, joined)).toEqual([child('whileLive')]);
    expect(fake.callsOf('addToContext')).toEqual([]);
    expect(fake.callsOf('addToInput')).toEqual([]);

    // The user writes to the agent in between.
    expect(await route(fake, { text: 'Hello Sam' })).toEqual([child('whileLive')]);
    expect(connector.requests.map((r) => r.body.text)).toEqual(['Hello Sam']);

    expect(await route(fake, injected('handover.ended', { reason: 'agent_ended' }, { status: 'completed' }))).toEqual([child('ended')]);
    expect(fake.input.handover).toMatchObject({ status: 'completed', data: { type: 'handover.ended', reason: 'agent_ended' } });
    expect(fake.context.handoverConnector).toMatchObject({ state: 'ended', live: false, reason: 'agent_ended' });

    // Back with the bot.
    expect(await route(fake, { text: 'thanks, bot' })).toEqual([child('noHandover')]);
    expect(connector.requests).toHaveLength(1);
  });

  it("reports an ended handover as error (provider_error) with Cognigy's error object", async () => {
    const fake = fakeCognigy({ context: { handoverConnector: liveState({ state: 'requested' }) } });
    expect(await route(fake, injected('handover.ended', { reason: 'provider_error' }, { status: 'error' }))).toEqual([child('ended')]);
    expect(fake.input.handover).toMatchObject({ status: 'error', error: { reason: 'error', message: 'provider_error' } });
  });

  it("derives Cognigy's status from the event when the connector did not add it, and prefers the one it added", () => {
    const event = (type: string, data: Record<string, unknown> = {}, status?: string) => ({
      id: 'e',
      type,
      data,
      ...(status ? { status } : {}),
    });
    expect(cognigyStatusOf(event('handover.queued'))).toBe('queue');
    expect(cognigyStatusOf(event('handover.queue_update'))).toBe('queue');
    expect(cognigyStatusOf(event('agent.joined'))).toBe('active');
    for (const reason of ['agent_ended', 'customer_ended']) expect(cognigyStatusOf(event('handover.ended', { reason }))).toBe('completed');
    for (const reason of ['bot_released', 'admin_released', 'queue_timeout', 'inactivity_timeout'])
      expect(cognigyStatusOf(event('handover.ended', { reason }))).toBe('cancelled');
    expect(cognigyStatusOf(event('handover.ended', { reason: 'provider_error' }))).toBe('error');
    expect(cognigyStatusOf(event('agent.typing'))).toBeUndefined();
    expect(cognigyStatusOf(event('handover.ended', { reason: 'agent_ended' }, 'cancelled'))).toBe('cancelled');
    expect(cognigyStatusOf(event('handover.ended', { reason: 'agent_ended' }, 'bogus'))).toBe('completed');
  });

  it('adopts a handover it did not request (no state in the context) from its first event', async () => {
    const fake = fakeCognigy({ input: { sessionId: 's-9' } });
    const ev = injected('handover.queued', {}, { sessionId: 's-9', handoverId: 'h-9' });
    expect(await route(fake, ev)).toEqual([child('queued')]);
    expect(fake.context.handoverConnector).toMatchObject({ sessionId: 's-9', handoverId: 'h-9', state: 'queued', live: true });
    await route(fake, { text: 'hi' });
    expect(connector.requests[0].url).toBe('/v1/endpoints/acme-support/sessions/s-9/messages');
  });

  it('recognises the event when a receiver injects the callback body itself as input.data', async () => {
    const fake = fakeCognigy({ context: { handoverConnector: liveState({ state: 'queued' }) } });
    const body = injected('agent.joined', { agent: { name: 'Kim' } }).data.handover;
    expect(await route(fake, { text: '', data: body })).toEqual([child('agentJoined')]);
  });

  it('ignores the end of another handover while a newer one is live', async () => {
    const fake = fakeCognigy({ context: { handoverConnector: liveState({ handoverId: 'h-2' }) } });
    expect(await route(fake, injected('handover.ended', { reason: 'agent_ended' }, { handoverId: 'h-1' }))).toEqual([child('whileLive')]);
    expect(fake.context.handoverConnector).toMatchObject({ handoverId: 'h-2', live: true });
    expect(fake.input.handover).toBeUndefined();
  });

  it('says an agent message that a receiver injected, and ignores typing', async () => {
    const fake = fakeCognigy({ context: { handoverConnector: liveState() } });
    expect(
      await route(fake, injected('agent.message', { text: 'Hello, I am Sam', attachments: [], quickReplies: [], agent: { name: 'Sam' } })),
    ).toEqual([child('whileLive')]);
    expect(fake.said().map((s) => s.text)).toEqual(['Hello, I am Sam']);
    expect(await route(fake, injected('agent.typing', { durationMs: 3000, agent: { name: 'Sam' } }))).toEqual([child('whileLive')]);
    expect(fake.said()).toEqual([]);
    expect(connector.requests).toHaveLength(0);

    // Typing (or an unknown event) alone does not make a handover live.
    const fresh = fakeCognigy({});
    expect(await route(fresh, injected('agent.typing', {}))).toEqual([child('whileLive')]);
    expect(await route(fresh, injected('handover.something_new', {}))).toEqual([child('whileLive')]);
    expect(fresh.context.handoverConnector).toBeUndefined();
    expect(await route(fresh, { text: 'hello' })).toEqual([child('noHandover')]);
  });

  it('is a plain function too: routeInput(input, context, api, config) returns the branch and never throws', async () => {
    const context: FlowContext = {};
    const api = {
      addToContext: (key: string, value: unknown) => {
        context[key] = value;
      },
      addToInput: jest.fn(),
    };
    const result = await routeInput({ ...injected('handover.queued', {}), sessionId: 's-1' }, context, api);
    expect(result).toMatchObject({
      branch: 'queued',
      detail: 'queued',
      handover: { status: 'queue' },
      state: { state: 'queued', live: true },
    });
    expect(context.handoverConnector).toMatchObject({ state: 'queued' });

    // No connection configured: forwarding is an error branch, not an exception.
    const noConnection = await routeInput({ sessionId: 's-1', text: 'hi', inputId: 'i' }, context, api);
    expect(noConnection).toMatchObject({ branch: 'error', detail: 'config' });

    const throwing = await routeInput(
      { sessionId: 's-1', text: '', data: injected('agent.joined', {}).data },
      {},
      {
        addToContext: () => {
          throw new Error('boom');
        },
      },
    );
    expect(throwing).toMatchObject({ branch: 'error', detail: 'internal' });
  });

  it('runs a whole conversation as a Flow would: Hand over node, events, messages, cancel', async () => {
    const fake = fakeCognigy({ input: { sessionId: 's-flow', userId: 'u-flow' } });
    connector.reply({ status: 202, body: { sessionId: 's-flow', handoverId: 'h-flow', state: 'requested' } });
    await runNode(handoverToAgent, fake, { connection: connection(), text: 'Connecting…', quickReply: 'Back to bot' });
    expect(fake.nextNodes()).toEqual([`child:${HANDOVER_CHILDREN.requested}`]);

    const event = (type: string, data: Record<string, unknown>, id: string) =>
      injected(type, data, { id, sessionId: 's-flow', handoverId: 'h-flow' });
    expect(await route(fake, event('handover.queued', {}, '1'))).toEqual([child('queued')]);
    expect(await route(fake, { text: 'anyone?' })).toEqual([child('whileLive')]);
    expect(await route(fake, event('agent.joined', { agent: { name: 'Sam' } }, '2'))).toEqual([child('agentJoined')]);
    connector.reply({ status: 202, body: {} });
    expect(await route(fake, { text: 'back to bot' })).toEqual([child('cancelled')]);
    expect(await route(fake, event('handover.ended', { reason: 'bot_released' }, '3'))).toEqual([child('whileLive')]);
    expect(await route(fake, { text: 'what can you do?' })).toEqual([child('noHandover')]);
    expect(connector.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/endpoints/acme-support/handovers',
      'POST /v1/endpoints/acme-support/sessions/s-flow/messages',
      'POST /v1/endpoints/acme-support/sessions/s-flow/release',
    ]);
  });
});
