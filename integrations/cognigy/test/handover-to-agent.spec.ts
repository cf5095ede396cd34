import { handoverToAgent, HANDOVER_CHILDREN } from '../src/nodes/handoverToAgent';
import { API_CALL_LIMIT, fakeCognigy, runNode } from './support/fake-cognigy';
import { FakeConnector, startFakeConnector, unreachableBaseUrl } from './support/fake-connector';

/** A Get Transcript result (shape of Cognigy's `input.transcript`), timestamps in ms. */
const cognigyTranscript = [
  {
    role: 'assistant',
    type: 'output',
    source: 'assistant',
    payload: { text: 'Hi, how can I help?' },
    id: 't1',
    traceId: 'x',
    timestamp: 1767261600000,
  },
  { role: 'user', type: 'input', source: 'user', payload: { text: 'I want a human' }, id: 't2', traceId: 'x', timestamp: 1767261601000 },
  {
    role: 'tool',
    type: 'toolAnswer',
    source: 'system',
    payload: { name: 'lookup', content: 'secret tool output' },
    id: 't3',
    timestamp: 1767261602000,
  },
  {
    role: 'assistant',
    type: 'output',
    source: 'assistant',
    payload: { text: '', textAlternative: 'Buttons: Yes, No' },
    id: 't4',
    timestamp: 1767261603000,
  },
  { role: 'agent', type: 'output', source: 'agent', payload: { text: 'Earlier agent reply' }, id: 't5', timestamp: 1767261604000 },
  { role: 'system', type: 'debugLog', source: 'system', payload: { header: 'h', message: 'debug' }, id: 't6', timestamp: 1767261605000 },
];

describe('Hand over to agent', () => {
  let connector: FakeConnector;
  const connection = () => ({ baseUrl: connector.baseUrl, endpointId: 'acme-support', apiKey: 'key-123' });
  const fullConfig = () => ({
    connection: connection(),
    text: 'Connecting you to an agent…',
    repeatHandoverMessage: true,
    cancelIntent: 'cancelHandover',
    quickReply: 'Cancel',
    language: 'english',
    skills: ['billing', 'escalation'],
    priority: '5',
    customAttributes: { section: 'section A', tier: 2, vip: true },
    sendTranscript: true,
    transcriptLocation: 'input',
    transcriptKey: 'transcript',
    transcriptLimit: 50,
    firstMessage: 'I need help with my invoice',
    sendProfile: true,
    sendUrlToken: true,
  });

  beforeAll(async () => {
    connector = await startFakeConnector();
  });
  afterEach(() => connector.reset());
  afterAll(() => connector.close());

  it('posts the handover with routing, transcript, profile and URL token, stores the state and takes On Requested', async () => {
    connector.reply({ status: 202, body: { sessionId: 's-1', handoverId: 'h-1', state: 'requested' } });
    const fake = fakeCognigy({
      input: { sessionId: 's-1', userId: 'u-42', transcript: cognigyTranscript, URLToken: 'tok-webchat' },
      profile: { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com' },
    });

    await runNode(handoverToAgent, fake, fullConfig());

    expect(connector.requests).toHaveLength(1);
    const [request] = connector.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/endpoints/acme-support/handovers');
    expect(request.headers.authorization).toBe('Bearer key-123');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.body).toEqual({
      sessionId: 's-1',
      userId: 'u-42',
      user: { nickname: 'Ada', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
      language: 'english',
      skills: ['billing', 'escalation'],
      priority: 5,
      customAttributes: { section: 'section A', tier: '2', vip: 'true' },
      transcript: [
        { from: 'bot', text: 'Hi, how can I help?', time: '2026-01-01T10:00:00.000Z' },
        { from: 'user', text: 'I want a human', time: '2026-01-01T10:00:01.000Z' },
        { from: 'bot', text: 'Buttons: Yes, No', time: '2026-01-01T10:00:03.000Z' },
        { from: 'agent', text: 'Earlier agent reply', time: '2026-01-01T10:00:04.000Z' },
      ],
      text: 'I need help with my invoice',
      cognigy: { urlToken: 'tok-webchat' },
    });

    expect(fake.nextNodes()).toEqual([`child:${HANDOVER_CHILDREN.requested}`]);
    expect(fake.context.handoverConnector).toMatchObject({
      sessionId: 's-1',
      handoverId: 'h-1',
      state: 'requested',
      live: true,
      cancelIntent: 'cancelHandover',
      cancelText: 'Cancel',
      acceptedMessage: 'Connecting you to an agent…',
      repeatAcceptedMessage: true,
      seenEventIds: [],
    });
    // The transcript stays out of the context (Cognigy limits each api argument to 62 KB).
    expect(JSON.stringify(fake.context.handoverConnector)).not.toContain('I want a human');
    const [said] = fake.said();
    expect(said.text).toBe('Connecting you to an agent…');
    expect(said.data).toEqual({
      _cognigy: {
        _default: {
          _quickReplies: {
            type: 'quick_replies',
            text: 'Connecting you to an agent…',
            quickReplies: [{ contentType: 'postback', title: 'Cancel', payload: 'Cancel' }],
          },
        },
      },
    });
    expect(fake.budgetUsed()).toBe(3);
    expect(fake.oversized).toEqual([]);
  });

  it('leaves out what is not set, so the endpoint defaults apply', async () => {
    connector.reply({ status: 202, body: { sessionId: 's-1', handoverId: 'h-2', state: 'requested' } });
    const fake = fakeCognigy({ input: { sessionId: 's-1', userId: 'u-1' } });
    await runNode(handoverToAgent, fake, {
      connection: connection(),
      text: '',
      language: ' ',
      skills: [],
      priority: '',
      customAttributes: '{}',
      sendTranscript: true,
      sendUrlToken: false,
    });
    expect(connector.requests[0].body).toEqual({ sessionId: 's-1', userId: 'u-1' });
    expect(fake.said()).toEqual([]);
    expect(fake.nextNodes()).toEqual([`child:${HANDOVER_CHILDREN.requested}`]);
  });

  it('reads the transcript from a context key, keeps only the last entries and parses custom attributes given as JSON text', async () => {
    connector.reply({ status: 202, body: { handoverId: 'h-3' } });
    const long = Array.from({ length: 30 }, (_, i) => ({
      role: i % 2 ? 'user' : 'assistant',
      type: i % 2 ? 'input' : 'output',
      payload: { text: `turn ${i}` },
      timestamp: 1767261600 + i,
    }));
    const fake = fakeCognigy({ context: { history: { steps: long } } });
    await runNode(handoverToAgent, fake, {
      connection: connection(),
      transcriptLocation: 'context',
      transcriptKey: 'history.steps',
      transcriptLimit: 3,
      customAttributes: '{"region":"Europe"}',
      priority: 7,
    });
    const body = connector.requests[0].body;
    expect(body.transcript).toEqual([
      { from: 'user', text: 'turn 27', time: new Date((1767261600 + 27) * 1000).toISOString() },
      { from: 'bot', text: 'turn 28', time: new Date((1767261600 + 28) * 1000).toISOString() },
      { from: 'user', text: 'turn 29', time: new Date((1767261600 + 29) * 1000).toISOString() },
    ]);
    expect(body.customAttributes).toEqual({ region: 'Europe' });
    expect(body.priority).toBe(7);
  });

  it('takes Already in Progress on 409 and marks the handover live for the Router', async () => {
    connector.reply({ status: 409, body: { statusCode: 409, error: 'Conflict', message: 'Session s-1 already has a live handover' } });
    const fake = fakeCognigy({});
    await runNode(handoverToAgent, fake, { ...fullConfig(), connection: connection() });
    expect(fake.nextNodes()).toEqual([`child:${HANDOVER_CHILDREN.alreadyInProgress}`]);
    expect(fake.context.handoverConnector).toMatchObject({ sessionId: 's-1', live: true, cancelText: 'Cancel' });
    expect(fake.said()).toEqual([]);
    expect(fake.context.handoverConnectorError).toBeUndefined();
  });

  it.each([
    [401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid API key' }, 'the connector answered 401: Invalid API key'],
    [
      500,
      { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' },
      'the connector answered 500: Internal server error',
    ],
    [
      400,
      { statusCode: 400, error: 'Bad Request', message: ['userId must be 1-128 letters'] },
      'the connector answered 400: userId must be 1-128 letters',
    ],
  ])('takes On Error on %i and stores the error in the context', async (status, body, message) => {
    connector.reply({ status, body });
    const fake = fakeCognigy({});
    await expect(runNode(handoverToAgent, fake, fullConfig())).resolves.toBeUndefined();
    expect(fake.nextNodes()).toEqual([`child:${HANDOVER_CHILDREN.error}`]);
    expect(fake.context.handoverConnectorError).toMatchObject({
      node: 'handoverToAgent',
      operation: 'handover',
      code: 'http',
      status,
      message,
    });
    expect(fake.context.handoverConnector).toBeUndefined();
    expect(fake.said()).toEqual([]);
    expect(fake.budgetUsed()).toBeLessThanOrEqual(API_CALL_LIMIT);
  });

  it('takes On Error when the connector does not answer in time', async () => {
    connector.reply({ status: 202, hang: true });
    const fake = fakeCognigy({});
    const started = Date.now();
    await runNode(handoverToAgent, fake, { ...fullConfig(), timeoutMs: 300, errorContextKey: 'lastHandoverError' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(fake.nextNodes()).toEqual([`child:${HANDOVER_CHILDREN.error}`]);
    expect(fake.context.lastHandoverError).toMatchObject({ code: 'timeout' });
  });

  it('takes On Error when the connector is unreachable', async () => {
    const fake = fakeCognigy({});
    await runNode(handoverToAgent, fake, {
      ...fullConfig(),
      connection: { baseUrl: await unreachableBaseUrl(), endpointId: 'acme-support', apiKey: 'k' },
    });
    expect(fake.nextNodes()).toEqual([`child:${HANDOVER_CHILDREN.error}`]);
    expect(fake.context.handoverConnectorError).toMatchObject({ code: 'unreachable' });
  });

  it.each([
    ['a priority that is not a whole number', { priority: 'high' }, /Priority must be a whole number/],
    ['custom attributes that are not an object', { customAttributes: '[1,2]' }, /Custom attributes must be a JSON object/],
    ['a Connection without API key', { connection: { baseUrl: 'https://c.example.com', endpointId: 'e', apiKey: '' } }, /no apiKey/],
    [
      'a Connection with a URL that is not http(s)',
      { connection: { baseUrl: 'ftp://c.example.com', endpointId: 'e', apiKey: 'k' } },
      /http\(s\) URL/,
    ],
  ])('takes On Error without calling the connector for %s', async (_name, override, message) => {
    const fake = fakeCognigy({});
    await runNode(handoverToAgent, fake, { ...fullConfig(), ...override });
    expect(connector.requests).toHaveLength(0);
    expect(fake.nextNodes()).toEqual([`child:${HANDOVER_CHILDREN.error}`]);
    expect(fake.context.handoverConnectorError.code).toBe('config');
    expect(fake.context.handoverConnectorError.message).toMatch(message);
  });

  it('keeps the branch when saying the accepted message fails, and never throws', async () => {
    connector.reply({ status: 202, body: { handoverId: 'h-9' } });
    const fake = fakeCognigy({});
    fake.cognigy.api.say = () => {
      throw new Error('output too large');
    };
    await expect(runNode(handoverToAgent, fake, fullConfig())).resolves.toBeUndefined();
    expect(fake.nextNodes()).toEqual([`child:${HANDOVER_CHILDREN.requested}`]);
  });

  it('takes On Error when the Flow api itself fails', async () => {
    connector.reply({ status: 202, body: { handoverId: 'h-10' } });
    const fake = fakeCognigy({});
    const addToContext = fake.cognigy.api.addToContext;
    let first = true;
    fake.cognigy.api.addToContext = (key: string, value: unknown, mode: string) => {
      if (first) {
        first = false;
        throw new Error('context unavailable');
      }
      addToContext(key, value, mode);
    };
    await expect(runNode(handoverToAgent, fake, fullConfig())).resolves.toBeUndefined();
    expect(fake.nextNodes()).toEqual([`child:${HANDOVER_CHILDREN.error}`]);
    expect(fake.context.handoverConnectorError).toMatchObject({ code: 'internal', message: 'context unavailable' });
  });

  it('keeps a huge transcript within the connector limits and the context within 62 KB', async () => {
    connector.reply({ status: 202, body: { handoverId: 'h-big' } });
    const huge = Array.from({ length: 2000 }, (_, i) => ({
      role: 'user',
      type: 'input',
      payload: { text: `${i} `.padEnd(20000, 'x') },
      timestamp: 1767261600000 + i,
    }));
    const fake = fakeCognigy({ input: { transcript: huge } });
    await runNode(handoverToAgent, fake, { ...fullConfig(), transcriptLimit: 500 });
    const body = connector.requests[0].body;
    expect(body.transcript.length).toBeGreaterThan(0);
    expect(body.transcript.length).toBeLessThanOrEqual(500);
    expect(body.transcript.every((e: { text: string }) => e.text.length <= 10000)).toBe(true);
    expect(Buffer.byteLength(connector.requests[0].rawBody)).toBeLessThan(1024 * 1024);
    // the newest entry is kept
    expect(body.transcript[body.transcript.length - 1].text.startsWith('1999 ')).toBe(true);
    expect(fake.oversized).toEqual([]);
    expect(fake.nextNodes()).toEqual([`child:${HANDOVER_CHILDREN.requested}`]);
  });
});
