import { AVAILABILITY_CHILDREN, checkAgentAvailability } from '../src/nodes/checkAgentAvailability';
import { getHandoverStatus, STATUS_CHILDREN } from '../src/nodes/getHandoverStatus';
import { releaseHandover, RELEASE_CHILDREN } from '../src/nodes/releaseHandover';
import { SEND_CHILDREN, sendToAgent } from '../src/nodes/sendToAgent';
import { API_CALL_LIMIT, FakeCognigy, fakeCognigy, runNode } from './support/fake-cognigy';
import { FakeConnector, startFakeConnector, unreachableBaseUrl } from './support/fake-connector';

const liveState = (extra: Record<string, unknown> = {}) => ({
  sessionId: 's-1',
  handoverId: 'h-1',
  state: 'active',
  live: true,
  seenEventIds: ['evt_1'],
  updatedAt: '2026-01-01T10:00:00.000Z',
  ...extra,
});

describe('Send to agent, Release handover, Check agent availability, Get handover status', () => {
  let connector: FakeConnector;
  const connection = () => ({ baseUrl: `${connector.baseUrl}/`, endpointId: 'acme-support', apiKey: 'key-123' });

  beforeAll(async () => {
    connector = await startFakeConnector();
  });
  afterEach(() => connector.reset());
  afterAll(() => connector.close());

  function checkBudget(fake: FakeCognigy) {
    expect(fake.budgetUsed()).toBeLessThanOrEqual(API_CALL_LIMIT);
    expect(fake.oversized).toEqual([]);
  }

  describe('Send to agent', () => {
    it('sends the configured text with its message id and a quick reply, and takes On Sent', async () => {
      connector.reply({ status: 202, body: { messageId: 'm-1', duplicate: false } });
      const fake = fakeCognigy({ context: { handoverConnector: liveState() } });
      await runNode(sendToAgent, fake, {
        connection: connection(),
        text: 'Translated: hello',
        messageId: 'in-5',
        includeAttachments: true,
        quickReplyMessageId: 'agent-msg-9',
        quickReplyPayload: 'OPT_A',
        quickReplyText: 'Option A',
      });
      expect(connector.requests).toHaveLength(1);
      expect(connector.requests[0]).toMatchObject({ method: 'POST', url: '/v1/endpoints/acme-support/sessions/s-1/messages' });
      expect(connector.requests[0].headers.authorization).toBe('Bearer key-123');
      expect(connector.requests[0].body).toEqual({
        messageId: 'in-5',
        text: 'Translated: hello',
        quickReply: { messageId: 'agent-msg-9', payload: 'OPT_A', text: 'Option A' },
      });
      expect(fake.nextNodes()).toEqual([`child:${SEND_CHILDREN.sent}`]);
      expect(fake.budgetUsed()).toBe(1);
    });

    it('takes No Live Handover on 409 and clears the state; On Error on 500 and on nothing to send', async () => {
      connector.reply({ status: 409, body: { message: 'no live handover' } });
      const gone = fakeCognigy({ context: { handoverConnector: liveState() } });
      await runNode(sendToAgent, gone, { connection: connection(), text: 'hi', messageId: 'in-1' });
      expect(gone.nextNodes()).toEqual([`child:${SEND_CHILDREN.noHandover}`]);
      expect(gone.context.handoverConnector.live).toBe(false);

      connector.reply({ status: 500, body: { message: 'Internal server error' } });
      const failing = fakeCognigy({});
      await runNode(sendToAgent, failing, { connection: connection(), text: 'hi', messageId: 'in-1' });
      expect(failing.nextNodes()).toEqual([`child:${SEND_CHILDREN.error}`]);
      expect(failing.context.handoverConnectorError).toMatchObject({ node: 'sendToAgent', code: 'http', status: 500 });
      expect(connector.requests[1].url).toBe('/v1/endpoints/acme-support/sessions/s-1/messages');

      const empty = fakeCognigy({});
      await runNode(sendToAgent, empty, { connection: connection(), text: '  ', messageId: 'in-1' });
      expect(empty.nextNodes()).toEqual([`child:${SEND_CHILDREN.error}`]);
      expect(empty.context.handoverConnectorError).toMatchObject({ code: 'config' });
      expect(connector.requests).toHaveLength(2);
    });

    it('takes On Error on a timeout', async () => {
      connector.reply({ status: 202, hang: true });
      const fake = fakeCognigy({});
      await runNode(sendToAgent, fake, { connection: connection(), text: 'hi', messageId: 'in-1', timeoutMs: 200 });
      expect(fake.nextNodes()).toEqual([`child:${SEND_CHILDREN.error}`]);
      expect(fake.context.handoverConnectorError).toMatchObject({ code: 'timeout' });
    });
  });

  describe('Release handover', () => {
    it('releases, marks the state ended (bot_released), writes input.handover, says the message and takes On Released', async () => {
      connector.reply({ status: 202, body: {} });
      const fake = fakeCognigy({ context: { handoverConnector: liveState() } });
      await runNode(releaseHandover, fake, { connection: connection(), text: 'You are back with the bot.' });
      expect(connector.requests.map((r) => `${r.method} ${r.url} ${r.headers.authorization}`)).toEqual([
        'POST /v1/endpoints/acme-support/sessions/s-1/release Bearer key-123',
      ]);
      expect(fake.context.handoverConnector).toMatchObject({
        state: 'ended',
        live: false,
        reason: 'bot_released',
        handoverId: 'h-1',
        seenEventIds: ['evt_1'],
      });
      expect(fake.input.handover).toEqual({
        status: 'cancelled',
        data: { type: 'handover.ended', reason: 'bot_released', handoverId: 'h-1' },
      });
      expect(fake.said().map((s) => s.text)).toEqual(['You are back with the bot.']);
      expect(fake.nextNodes()).toEqual([`child:${RELEASE_CHILDREN.released}`]);
      checkBudget(fake);
    });

    it('takes No Live Handover on 409 and 404, On Error on 401 and when unreachable', async () => {
      for (const status of [409, 404]) {
        connector.reply({ status, body: { message: 'no live handover' } });
        const fake = fakeCognigy({ context: { handoverConnector: liveState() } });
        await runNode(releaseHandover, fake, { connection: connection(), text: 'bye' });
        expect(fake.nextNodes()).toEqual([`child:${RELEASE_CHILDREN.noHandover}`]);
        expect(fake.said()).toEqual([]);
        expect(fake.context.handoverConnector.live).toBe(false);
      }
      connector.reply({ status: 401, body: { message: 'Invalid API key' } });
      const unauthorized = fakeCognigy({ context: { handoverConnector: liveState() } });
      await runNode(releaseHandover, unauthorized, { connection: connection() });
      expect(unauthorized.nextNodes()).toEqual([`child:${RELEASE_CHILDREN.error}`]);
      expect(unauthorized.context.handoverConnector.live).toBe(true);
      expect(unauthorized.context.handoverConnectorError).toMatchObject({ node: 'releaseHandover', status: 401 });

      const down = fakeCognigy({});
      await runNode(releaseHandover, down, { connection: { baseUrl: await unreachableBaseUrl(), endpointId: 'e', apiKey: 'k' } });
      expect(down.nextNodes()).toEqual([`child:${RELEASE_CHILDREN.error}`]);
      expect(down.context.handoverConnectorError).toMatchObject({ code: 'unreachable' });
    });
  });

  describe('Check agent availability', () => {
    it('asks with skills and language, stores the answer in the input and takes On Available', async () => {
      connector.reply({ status: 200, body: { available: true, agentsAvailable: 3, estimatedWaitMs: 12000 } });
      const fake = fakeCognigy({});
      await runNode(checkAgentAvailability, fake, {
        connection: connection(),
        skills: ['billing', ' escalation '],
        language: 'english',
        storeLocation: 'input',
        inputKey: 'agentAvailability',
      });
      expect(connector.requests).toHaveLength(1);
      expect(connector.requests[0].method).toBe('GET');
      expect(connector.requests[0].url).toBe('/v1/endpoints/acme-support/availability?skills=billing%2Cescalation&language=english');
      expect(connector.requests[0].headers.authorization).toBe('Bearer key-123');
      expect(fake.input.agentAvailability).toEqual({ available: true, agentsAvailable: 3, estimatedWaitMs: 12000 });
      expect(fake.nextNodes()).toEqual([`child:${AVAILABILITY_CHILDREN.available}`]);
      expect(fake.budgetUsed()).toBe(2);
    });

    it('takes On Unavailable, storing in the context when asked to; no query without skills and language', async () => {
      connector.reply({ status: 200, body: { available: false, agentsAvailable: 0 } });
      const fake = fakeCognigy({});
      await runNode(checkAgentAvailability, fake, {
        connection: connection(),
        skills: [],
        language: '',
        storeLocation: 'context',
        contextKey: 'agents',
      });
      expect(connector.requests[0].url).toBe('/v1/endpoints/acme-support/availability');
      expect(fake.context.agents).toEqual({ available: false, agentsAvailable: 0 });
      expect(fake.input.agentAvailability).toBeUndefined();
      expect(fake.nextNodes()).toEqual([`child:${AVAILABILITY_CHILDREN.unavailable}`]);
    });

    it.each([
      ['a 500', { status: 500, body: { message: 'Internal server error' } }, 'http'],
      ['a 401', { status: 401, body: { message: 'Invalid API key' } }, 'http'],
      ['an answer without "available"', { status: 200, body: { agents: 2 } }, 'bad_response'],
      ['an answer that is not JSON', { status: 200, body: '<html>proxy</html>' }, 'bad_response'],
    ])('takes On Error on %s', async (_name, reply, code) => {
      connector.reply(reply);
      const fake = fakeCognigy({});
      await runNode(checkAgentAvailability, fake, { connection: connection(), skills: ['billing'] });
      expect(fake.nextNodes()).toEqual([`child:${AVAILABILITY_CHILDREN.error}`]);
      expect(fake.context.handoverConnectorError).toMatchObject({ node: 'checkAgentAvailability', code });
      expect(fake.input.agentAvailability).toBeUndefined();
    });
  });

  describe('Get handover status', () => {
    it('stores the session view, brings the Flow state in line and takes Handover Live', async () => {
      const view = {
        sessionId: 's-1',
        userId: 'u-1',
        handover: { id: 'h-5', state: 'queued', createdAt: '2026-01-01T10:00:00.000Z', queuedAt: '2026-01-01T10:00:02.000Z' },
      };
      connector.reply({ status: 200, body: view });
      const fake = fakeCognigy({});
      await runNode(getHandoverStatus, fake, { connection: connection(), storeLocation: 'input', inputKey: 'handoverStatus' });
      expect(connector.requests[0]).toMatchObject({ method: 'GET', url: '/v1/endpoints/acme-support/sessions/s-1' });
      expect(fake.input.handoverStatus).toEqual(view);
      expect(fake.context.handoverConnector).toMatchObject({ sessionId: 's-1', handoverId: 'h-5', state: 'queued', live: true });
      expect(fake.nextNodes()).toEqual([`child:${STATUS_CHILDREN.live}`]);
      checkBudget(fake);
    });

    it('takes No Live Handover for an ended handover (clearing a live state) and for an unknown session', async () => {
      connector.reply({
        status: 200,
        body: { sessionId: 's-1', userId: 'u-1', handover: { id: 'h-1', state: 'ended', reason: 'agent_ended' } },
      });
      const ended = fakeCognigy({ context: { handoverConnector: liveState() } });
      await runNode(getHandoverStatus, ended, { connection: connection(), storeLocation: 'context', contextKey: 'status' });
      expect(ended.context.status.handover.reason).toBe('agent_ended');
      expect(ended.context.handoverConnector).toMatchObject({ live: false, state: 'ended', reason: 'agent_ended' });
      expect(ended.nextNodes()).toEqual([`child:${STATUS_CHILDREN.noHandover}`]);

      connector.reply({ status: 404, body: { message: 'Unknown session' } });
      const unknown = fakeCognigy({});
      await runNode(getHandoverStatus, unknown, { connection: connection() });
      expect(unknown.input.handoverStatus).toEqual({ sessionId: 's-1', handover: null });
      expect(unknown.context.handoverConnector).toBeUndefined();
      expect(unknown.nextNodes()).toEqual([`child:${STATUS_CHILDREN.noHandover}`]);
    });

    it('takes On Error on 500 and on a timeout', async () => {
      connector.reply({ status: 500, body: { message: 'Internal server error' } }, { status: 200, hang: true });
      const failing = fakeCognigy({});
      await runNode(getHandoverStatus, failing, { connection: connection() });
      expect(failing.nextNodes()).toEqual([`child:${STATUS_CHILDREN.error}`]);
      const slow = fakeCognigy({});
      await runNode(getHandoverStatus, slow, { connection: connection(), timeoutMs: 200 });
      expect(slow.nextNodes()).toEqual([`child:${STATUS_CHILDREN.error}`]);
      expect(slow.context.handoverConnectorError).toMatchObject({ node: 'getHandoverStatus', code: 'timeout' });
    });
  });
});
