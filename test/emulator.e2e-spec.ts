import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { GenesysEmulator } from '../tools/emulators/genesys-cloud';

/** The Genesys Cloud emulator over real HTTP and WebSocket (no Redis, no Nest). */

const CLIENT = { clientId: 'connector-client', clientSecret: 'connector-secret' };
const INTEGRATION_ID = '5e1c0f3a-8d6b-4a57-9a8e-2f1d8c7b6a01';
const WEBHOOK_SECRET = 'a-webhook-secret-longer-than-15';
const TEXT_OR_CONTENT = "should have required property 'content', should have required property '.text', should match some schema in anyOf";

type Json = Record<string, any>;

interface ReceivedWebhook {
  raw: Buffer;
  headers: http.IncomingHttpHeaders;
  body: Json;
}

/** The connector's side of the webhook: records raw bytes, answers what `respond` says ('hang' never answers). */
class WebhookSink {
  received: ReceivedWebhook[] = [];
  respond: (attempt: number, body: Json) => number | 'hang' = () => 200;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookSink> {
    let sink: WebhookSink | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => sink?.handle(Buffer.concat(chunks), req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sink = new WebhookSink(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/genesys/acme`);
    return sink;
  }

  reset(): void {
    this.received = [];
    this.respond = () => 200;
  }

  async waitFor(count: number, timeoutMs = 3000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} webhooks, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(raw: Buffer, req: http.IncomingMessage, res: http.ServerResponse): void {
    const body = JSON.parse(raw.toString('utf8')) as Json;
    this.received.push({ raw, headers: req.headers, body });
    const answer = this.respond(this.received.length, body);
    if (answer !== 'hang') res.writeHead(answer).end();
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** A WebSocket client that keeps every JSON frame and can wait for one. */
class WsProbe {
  readonly frames: Json[] = [];
  readonly closed: Promise<{ code: number }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Json));
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve({ code })));
  }

  static connect(url: string): Promise<WsProbe> {
    const ws = new WebSocket(url);
    const probe = new WsProbe(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(probe));
      ws.once('error', reject);
    });
  }

  async waitFor(predicate: (frame: Json) => boolean, timeoutMs = 3000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(this.frames.map((f) => f.topicName ?? f.type))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

function requestToken(baseUrl: string, clientId = CLIENT.clientId, clientSecret = CLIENT.clientSecret, grant = 'client_credentials') {
  return fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: `grant_type=${grant}`,
  });
}

async function accessToken(baseUrl: string): Promise<string> {
  return ((await (await requestToken(baseUrl)).json()) as Json).access_token as string;
}

function sign(raw: Buffer, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('base64')}`;
}

function lifecycle(frame: Json): string {
  return (frame.topicName as string).replace(/^v2\.detail\.events\.conversation\.[^.]+\./, '');
}

describe('Genesys Cloud emulator', () => {
  let emu: GenesysEmulator;
  let sink: WebhookSink;
  let token: string;
  const probes: WsProbe[] = [];

  async function call(
    method: string,
    path: string,
    options: { body?: unknown; raw?: string; auth?: string | null; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<{ status: number; headers: Headers; body: any }> {
    const auth = options.auth === undefined ? `Bearer ${token}` : options.auth;
    const res = await fetch(`${emu.url}${path}`, {
      method,
      headers: {
        ...(auth ? { authorization: auth } : {}),
        ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      body: options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
      signal: options.signal,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON; keep the text
    }
    return { status: res.status, headers: res.headers, body };
  }

  const fetchToken = (clientId?: string, clientSecret?: string, grant?: string) => requestToken(emu.url, clientId, clientSecret, grant);

  function inboundBody(fromId: string, extra: { channel?: Json } & Json = {}): Json {
    const { channel, ...rest } = extra;
    return {
      channel: { from: { id: fromId, idType: 'Opaque', nickname: 'Ada' }, time: new Date().toISOString(), ...channel },
      text: 'Hello, I need help',
      ...rest,
    };
  }

  /** Posts a customer message with prefetchConversationId=true and answers the normalized message. */
  async function sendInbound(fromId: string, extra: Json = {}) {
    const res = await call('POST', `/api/v2/conversations/messages/${INTEGRATION_ID}/inbound/open/message?prefetchConversationId=true`, {
      body: inboundBody(fromId, extra),
    });
    expect(res.status).toBe(200);
    return res.body as Json;
  }

  /** A new notification channel, connected and subscribed to the conversation's lifecycle topics. */
  async function subscribe(conversationId: string): Promise<WsProbe> {
    const channel = await call('POST', '/api/v2/notifications/channels');
    expect(channel.status).toBe(200);
    const probe = await WsProbe.connect(channel.body.connectUri);
    probes.push(probe);
    const topics = ['user.start', 'user.end', 'customer.end', 'acw'].map((t) => ({
      id: `v2.detail.events.conversation.${conversationId}.${t}`,
    }));
    const subscribed = await call('PUT', `/api/v2/notifications/channels/${channel.body.id}/subscriptions`, { body: topics });
    expect(subscribed.status).toBe(200);
    return probe;
  }

  beforeAll(async () => {
    sink = await WebhookSink.start();
    emu = await GenesysEmulator.start({
      webhookRetryDelayMs: 20,
      webhookMaxRetries: 2,
      webhookTimeoutMs: 300,
      heartbeatIntervalMs: 150,
      // 0 here (Genesys's default, 72 h, is tested under "Genesys Cloud emulator options"): a disconnect starts anew.
      threadingTimelineSeconds: 0,
      oauthClients: [CLIENT],
    });
    emu.addIntegration({
      id: INTEGRATION_ID,
      name: 'Acme Connector',
      webhookUrl: sink.url,
      webhookSecret: WEBHOOK_SECRET,
      webhookHeaders: { 'X-Connector-Key': 'static-key' },
    });
    token = await accessToken(emu.url);
  });

  afterEach(async () => {
    await emu.webhooksIdle();
    for (const probe of probes.splice(0)) probe.close();
    emu.clearFaults();
    sink.reset();
  });

  afterAll(async () => {
    await emu.close();
    await sink.close();
  });

  describe('OAuth and bearer tokens', () => {
    it('issues client-credentials tokens and rejects bad clients and grants', async () => {
      const before = emu.apiCalls().tokenRequests;
      const ok = await fetchToken();
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 86400 });

      const wrong = await fetchToken(CLIENT.clientId, 'nope');
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });

      const noAuth = await fetch(`${emu.url}/oauth/token`, { method: 'POST', body: 'grant_type=client_credentials' });
      expect(noAuth.status).toBe(401);

      const badGrant = await fetchToken(CLIENT.clientId, CLIENT.clientSecret, 'password');
      expect(badGrant.status).toBe(400);
      expect(await badGrant.json()).toMatchObject({ error: 'unsupported_grant_type' });

      expect(emu.apiCalls().tokenRequests - before).toBe(4);
      expect(emu.apiCalls().tokenRequestsByClient[CLIENT.clientId]).toBeGreaterThanOrEqual(3);
    });

    it('answers 401 with the Genesys error body without a valid, unexpired token', async () => {
      const missing = await call('GET', '/api/v2/conversations/messaging/integrations/open', { auth: null });
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual({
        message: expect.any(String),
        code: 'bad.credentials',
        status: 401,
        contextId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        details: [],
        errors: [],
      });
      expect((await call('GET', '/api/v2/users/x', { auth: 'Bearer forged' })).status).toBe(401);

      emu.addOAuthClient({ clientId: 'short-lived', clientSecret: 'short-lived-secret', tokenTtlSeconds: 1 });
      const res = await fetchToken('short-lived', 'short-lived-secret');
      const shortToken = ((await res.json()) as Json).access_token as string;
      const path = '/api/v2/conversations/messaging/integrations/open';
      expect((await call('GET', path, { auth: `Bearer ${shortToken}` })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await call('GET', path, { auth: `Bearer ${shortToken}` })).status).toBe(401);
    });

    it('revokes every token on demand', async () => {
      const own = await accessToken(emu.url);
      const path = '/api/v2/conversations/messaging/integrations/open';
      expect((await call('GET', path, { auth: `Bearer ${own}` })).status).toBe(200);
      expect((await call('DELETE', '/emulator/v1/tokens')).status).toBe(204);
      expect((await call('GET', path, { auth: `Bearer ${own}` })).status).toBe(401);
      token = await accessToken(emu.url);
    });
  });

  describe('Open Messaging integrations API', () => {
    const base = '/api/v2/conversations/messaging/integrations/open';

    it('creates, lists, updates and deletes integrations with Genesys validation', async () => {
      const tooShort = await call('POST', base, {
        body: { name: 'x', outboundNotificationWebhookUrl: sink.url, outboundNotificationWebhookSignatureSecretToken: 'short' },
      });
      expect(tooShort.status).toBe(400);
      expect(tooShort.body).toMatchObject({ code: 'bad.request', status: 400 });

      const created = await call('POST', base, {
        body: {
          name: 'Second',
          outboundNotificationWebhookUrl: sink.url,
          outboundNotificationWebhookSignatureSecretToken: 'sixteen-chars-ok!',
          webhookHeaders: { 'X-A': '1' },
        },
      });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ name: 'Second', createStatus: 'Completed', webhookHeaders: { 'X-A': '1' } });
      const id = created.body.id as string;

      const list = await call('GET', `${base}?pageSize=25&pageNumber=1`);
      expect(list.body.entities.map((e: Json) => e.id)).toEqual(expect.arrayContaining([INTEGRATION_ID, id]));

      expect((await call('PATCH', `${base}/${id}`, { body: { outboundNotificationWebhookUrl: sink.url } })).status).toBe(400);
      const patched = await call('PATCH', `${base}/${id}`, { body: { name: 'Renamed' } });
      expect(patched.body).toMatchObject({ id, name: 'Renamed', outboundNotificationWebhookUrl: sink.url });

      expect((await call('DELETE', `${base}/${id}`)).status).toBe(204);
      const gone = await call('GET', `${base}/${id}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toMatchObject({ code: 'not.found', status: 404 });
    });
  });

  describe('inbound open messages', () => {
    const path = `/api/v2/conversations/messages/${INTEGRATION_ID}/inbound/open/message`;
    const time = () => new Date().toISOString();

    it.each([
      [
        'channel.from.id',
        { channel: { from: { idType: 'Opaque' }, time: time() }, text: 'hi' },
        "channel.from should have required property 'id'",
      ],
      [
        'channel.from.idType',
        { channel: { from: { id: 'u' }, time: time() }, text: 'hi' },
        "channel.from should have required property 'idType'",
      ],
      [
        'an unknown idType',
        { channel: { from: { id: 'u', idType: 'Twitter' }, time: time() }, text: 'hi' },
        'channel.from.idType should be equal to one of the allowed values',
      ],
      ['channel.time', { channel: { from: { id: 'u', idType: 'Opaque' } }, text: 'hi' }, "channel should have required property 'time'"],
      ['text or content', { channel: { from: { id: 'u', idType: 'Opaque' }, time: time() } }, TEXT_OR_CONTENT],
      [
        'top-level metadata.customAttributes',
        { channel: { from: { id: 'u', idType: 'Opaque' }, time: time() }, text: 'hi', metadata: { customAttributes: { a: 'b' } } },
        'malformed syntax',
      ],
      [
        'non-string customAttributes',
        { channel: { from: { id: 'u', idType: 'Opaque' }, time: time(), metadata: { customAttributes: { priority: 5 } } }, text: 'hi' },
        'malformed syntax',
      ],
    ])('rejects a message missing or misusing %s with a 400 bad.request body', async (_what, body, message) => {
      const res = await call('POST', path, { body });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        message: expect.stringContaining(message),
        code: 'bad.request',
        status: 400,
        contextId: expect.any(String),
        details: [],
        errors: [],
      });
    });

    it('rejects malformed JSON and unknown integrations', async () => {
      const bad = await call('POST', path, { raw: '{"channel": ' });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: 'bad.request' });
      const unknown = await call('POST', `/api/v2/conversations/messages/nope/inbound/open/message`, { body: inboundBody('u') });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ code: 'not.found', status: 404 });
    });

    it('answers the normalized message, with conversationId only when prefetched', async () => {
      const plain = await call('POST', path, {
        body: {
          channel: { from: { id: 'norm-1', idType: 'email', firstName: 'Ada' }, time: time(), messageId: 'bot-msg-1' },
          text: 'hi',
          content: [{ contentType: 'Attachment', attachment: { mediaType: 'Image', url: 'https://x/y.png', mime: 'image/png' } }],
        },
      });
      expect(plain.status).toBe(200);
      expect(plain.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        channel: expect.objectContaining({
          id: INTEGRATION_ID,
          platform: 'Open',
          type: 'Private',
          messageId: 'bot-msg-1',
          from: { id: 'norm-1', idType: 'Email', firstName: 'Ada' },
        }),
        type: 'Text',
        text: 'hi',
        content: [{ contentType: 'Attachment', attachment: { mediaType: 'Image', url: 'https://x/y.png', mime: 'image/png' } }],
        direction: 'Inbound',
      });
      const prefetched = await sendInbound('norm-1');
      expect(prefetched.conversationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(emu.conversationFor(INTEGRATION_ID, 'norm-1')?.id).toBe(prefetched.conversationId);
    });

    it('keeps the first message customAttributes as participant data', async () => {
      const first = await sendInbound('attrs-1', {
        channel: { metadata: { customAttributes: { language: 'de', skills: 'billing,vip', priority: '5', plan: 'gold' } } },
      });
      await sendInbound('attrs-1', { channel: { metadata: { customAttributes: { language: 'fr' } } } });
      const expected = { language: 'de', skills: 'billing,vip', priority: '5', plan: 'gold' };
      expect(emu.conversation(first.conversationId)?.customAttributes).toEqual(expected);

      const conversation = await call('GET', `/api/v2/conversations/messages/${first.conversationId}`);
      expect(conversation.status).toBe(200);
      const customer = conversation.body.participants.find((p: Json) => p.purpose === 'customer');
      expect(customer).toMatchObject({ state: 'connected', attributes: expected });
      expect(conversation.body.participants.find((p: Json) => p.purpose === 'acd')).toMatchObject({
        state: 'connected',
        queueId: expect.any(String),
      });
    });

    it('threads by sender, de-duplicates messageIds, and starts anew after a disconnect', async () => {
      // A message is "a unique combination of id and time": a resend repeats both (a new time is a new message).
      const time = new Date().toISOString();
      const a1 = await sendInbound('thread-a', { channel: { messageId: 'm-1', time } });
      const a2 = await sendInbound('thread-a', { channel: { messageId: 'm-2' } });
      const again = await sendInbound('thread-a', { channel: { messageId: 'm-1', time } });
      const b = await sendInbound('thread-b');
      expect(a2.conversationId).toBe(a1.conversationId);
      expect(again).toEqual(a1);
      expect(b.conversationId).not.toBe(a1.conversationId);
      expect(emu.conversation(a1.conversationId)?.messages.map((m) => m.id)).toEqual([a1.id, a2.id]);
      const retimed = await sendInbound('thread-a', { channel: { messageId: 'm-1', time: new Date(Date.parse(time) + 1).toISOString() } });
      expect(retimed.id).not.toBe(a1.id);

      const conversation = await call('GET', `/api/v2/conversations/messages/${a1.conversationId}`);
      const customer = conversation.body.participants.find((p: Json) => p.purpose === 'customer');
      const patched = await call('PATCH', `/api/v2/conversations/messages/${a1.conversationId}/participants/${customer.id}`, {
        body: { state: 'disconnected' },
      });
      expect(patched.status).toBe(202);

      const a3 = await sendInbound('thread-a');
      expect(a3.conversationId).not.toBe(a1.conversationId);
      expect(emu.conversation(a1.conversationId)?.state).toBe('disconnected');
    });

    it('stores typing events, receipts and quick-reply responses in order', async () => {
      const first = await sendInbound('log-1');
      const cid = first.conversationId as string;
      const base = `/api/v2/conversations/messages/${INTEGRATION_ID}/inbound/open`;
      const from = { id: 'log-1', idType: 'Opaque' };

      const typing = await call('POST', `${base}/event`, { body: { channel: { from, time: time() }, events: [{ eventType: 'Typing' }] } });
      expect(typing.status).toBe(200);
      expect(typing.body).toMatchObject({ type: 'Event', events: [{ eventType: 'Typing' }] });
      expect((await call('POST', `${base}/event`, { body: { channel: { from, time: time() }, events: [] } })).status).toBe(400);

      const receipt = await call('POST', `${base}/receipt`, {
        body: {
          id: 'agent-msg-1',
          channel: { to: { id: 'log-1', idType: 'Opaque' }, time: time() },
          status: 'Failed',
          direction: 'Outbound',
          isFinalReceipt: true,
          reasons: [{ code: 'GeneralError', message: 'boom' }],
        },
      });
      expect(receipt.status).toBe(200);
      expect(receipt.body).toMatchObject({ id: 'agent-msg-1', type: 'Receipt', status: 'Failed' });
      const badReason = await call('POST', `${base}/receipt`, {
        body: { id: 'x', channel: { to: { id: 'log-1' }, time: time() }, status: 'Failed', reasons: [{ code: 'Nope' }] },
      });
      expect(badReason.status).toBe(400);

      const button = await call('POST', `${base}/structured/response`, {
        body: {
          channel: { from, time: time() },
          buttonResponse: { type: 'QuickReply', text: 'Yes', payload: 'yes' },
          originatingMessageId: 'q1',
        },
      });
      expect(button.status).toBe(200);
      expect(button.body).toMatchObject({
        type: 'Structured',
        direction: 'Inbound',
        content: [{ contentType: 'ButtonResponse', buttonResponse: { type: 'QuickReply', text: 'Yes', payload: 'yes' } }],
      });

      const log = emu.conversation(cid)?.messages ?? [];
      expect(log.map((m) => `${m.direction}:${m.type}`)).toEqual([
        'Inbound:Text',
        'Inbound:Event',
        'Inbound:Receipt',
        'Inbound:Structured',
      ]);
      expect(log.map((m) => m.seq)).toEqual([...log.map((m) => m.seq)].sort((x, y) => x - y));
    });
  });

  describe('conversations, the agent and notifications', () => {
    it('runs join, typing, messages, transfer and end with signed webhooks and notification topics', async () => {
      const first = await sendInbound('flow-1', { channel: { metadata: { customAttributes: { language: 'en' } } } });
      const cid = first.conversationId as string;
      const probe = await subscribe(cid);

      const joined = await call('POST', `/emulator/v1/conversations/${cid}/join`, { body: { agentName: 'Sam' } });
      expect(joined.status).toBe(200);
      expect(joined.body.agent).toMatchObject({ name: 'Sam' });
      const start = await probe.waitFor((f) => f.topicName === `v2.detail.events.conversation.${cid}.user.start`);
      expect(start).toMatchObject({
        version: '2',
        eventBody: {
          conversationId: cid,
          participantId: joined.body.agent.participantId,
          userId: joined.body.agent.userId,
          mediaType: 'MESSAGE',
          queueId: expect.any(String),
          eventTime: expect.any(Number),
          sessionId: expect.any(String),
        },
      });
      const user = await call('GET', `/api/v2/users/${joined.body.agent.userId}`);
      expect(user.body).toMatchObject({ id: joined.body.agent.userId, name: 'Sam' });
      expect((await call('GET', '/api/v2/users/unknown-user')).status).toBe(404);
      expect((await call('POST', `/emulator/v1/conversations/${cid}/join`, { body: {} })).status).toBe(409);

      expect((await call('POST', `/emulator/v1/conversations/${cid}/typing`)).status).toBe(202);
      const text = await call('POST', `/emulator/v1/conversations/${cid}/messages`, { body: { text: 'Hi, I am Sam' } });
      expect(text.status).toBe(202);
      await call('POST', `/emulator/v1/conversations/${cid}/messages`, {
        body: {
          text: 'Here is the form',
          attachments: [{ url: 'https://files.example/form.pdf', mime: 'application/pdf', filename: 'form.pdf' }],
        },
      });
      await call('POST', `/emulator/v1/conversations/${cid}/messages`, {
        body: { text: 'Did that help?', quickReplies: [{ text: 'Yes', payload: 'yes' }, { text: 'No' }] },
      });

      const hooks = await sink.waitFor(4);
      for (const hook of hooks) {
        expect(hook.headers['x-hub-signature-256']).toBe(sign(hook.raw));
        expect(hook.headers['x-connector-key']).toBe('static-key');
        expect(hook.headers['content-type']).toBe('application/json');
      }
      const [typing, hello, attachment, quick] = hooks.map((h) => h.body);
      const channel = {
        id: INTEGRATION_ID,
        platform: 'Open',
        type: 'Private',
        to: { id: 'flow-1', idType: 'Opaque' },
        from: { nickname: 'Acme Connector', id: INTEGRATION_ID, idType: 'Opaque' },
      };
      expect(typing).toMatchObject({
        channel,
        conversationId: cid,
        direction: 'Outbound',
        type: 'Event',
        events: [{ eventType: 'Typing', typing: { type: 'On', duration: 5000 } }],
      });
      expect(hello).toEqual({
        id: text.body.id,
        channel: { ...channel, messageId: text.body.id, time: expect.any(String) },
        conversationId: cid,
        direction: 'Outbound',
        originatingEntity: 'Human',
        type: 'Text',
        text: 'Hi, I am Sam',
        content: [],
      });
      expect(attachment).toMatchObject({
        type: 'Text',
        content: [
          {
            contentType: 'Attachment',
            attachment: { mediaType: 'File', url: 'https://files.example/form.pdf', mime: 'application/pdf', filename: 'form.pdf' },
          },
        ],
      });
      expect(quick).toMatchObject({
        type: 'Structured',
        text: 'Did that help?',
        content: [
          { contentType: 'QuickReply', quickReply: { text: 'Yes', payload: 'yes', action: 'Message' } },
          { contentType: 'QuickReply', quickReply: { text: 'No', payload: 'No', action: 'Message' } },
        ],
      });

      const transferred = await call('POST', `/emulator/v1/conversations/${cid}/transfer`, { body: { agentName: 'Kim' } });
      expect(transferred.status).toBe(200);
      expect(transferred.body.agent).toMatchObject({ name: 'Kim' });
      const transferEnd = await probe.waitFor((f) => f.topicName.endsWith('.user.end'));
      expect(transferEnd.eventBody).toMatchObject({ disconnectType: 'TRANSFER', userId: joined.body.agent.userId });
      await probe.waitFor((f) => f.topicName.endsWith('.user.start') && f.eventBody.userId === transferred.body.agent.userId);

      const ended = await call('POST', `/emulator/v1/conversations/${cid}/end`);
      expect(ended.body).toMatchObject({ state: 'disconnected', agent: null });
      await probe.waitFor((f) => f.topicName.endsWith('.acw'));
      const sequence = probe.frames.filter((f) => f.topicName.includes('.conversation.')).map((f) => lifecycle(f));
      // Wrap-up follows the transfer too (the first agent's after-conversation work).
      expect(sequence).toEqual(['user.start', 'user.end', 'acw', 'user.start', 'user.end', 'customer.end', 'acw']);
      const [, , , , agentEnd, customerEnd, acw] = probe.frames.filter((f) => f.topicName.includes('.conversation.'));
      expect(agentEnd.eventBody).toMatchObject({ disconnectType: 'CLIENT', userId: transferred.body.agent.userId });
      expect(customerEnd.eventBody).toMatchObject({ disconnectType: 'PEER', conversationId: cid });
      expect(acw.eventBody).toMatchObject({ userId: transferred.body.agent.userId, participantId: transferred.body.agent.participantId });

      const final = await call('GET', `/api/v2/conversations/messages/${cid}`);
      expect(final.body.participants.every((p: Json) => p.state === 'disconnected')).toBe(true);
      expect(final.body.participants.find((p: Json) => p.purpose === 'customer')).toMatchObject({ disconnectType: 'peer' });
      expect((await call('POST', `/emulator/v1/conversations/${cid}/messages`, { body: { text: 'late' } })).status).toBe(409);

      const log = emu.conversation(cid)?.messages ?? [];
      expect(log.filter((m) => m.direction === 'Outbound').map((m) => [m.type, m.delivery?.state])).toEqual([
        ['Event', 'delivered'],
        ['Text', 'delivered'],
        ['Text', 'delivered'],
        ['Structured', 'delivered'],
      ]);
    });

    it('ends the conversation when the customer participant is disconnected (customer.end client, user.end peer, acw)', async () => {
      const first = await sendInbound('cust-end');
      const cid = first.conversationId as string;
      const probe = await subscribe(cid);
      emu.joinAgent(cid, { agentName: 'Lee' });
      await probe.waitFor((f) => f.topicName.endsWith('.user.start'));

      const conversation = await call('GET', `/api/v2/conversations/messages/${cid}`);
      const customer = conversation.body.participants.find((p: Json) => p.purpose === 'customer');
      const participantPath = `/api/v2/conversations/messages/${cid}/participants`;
      expect((await call('PATCH', `${participantPath}/${customer.id}`, { body: { state: 'connected' } })).status).toBe(400);
      expect((await call('PATCH', `${participantPath}/nobody`, { body: { state: 'disconnected' } })).status).toBe(404);
      expect((await call('PATCH', `${participantPath}/${customer.id}`, { body: { state: 'disconnected' } })).status).toBe(202);

      await probe.waitFor((f) => f.topicName.endsWith('.acw'));
      const frames = probe.frames.filter((f) => f.topicName.includes('.conversation.'));
      expect(frames.map(lifecycle)).toEqual(['user.start', 'customer.end', 'user.end', 'acw']);
      expect(frames[1].eventBody).toMatchObject({ disconnectType: 'CLIENT', participantId: customer.id });
      expect(frames[2].eventBody).toMatchObject({ disconnectType: 'PEER' });
    });

    it('disconnects every participant on PATCH of the conversation', async () => {
      const first = await sendInbound('patch-all');
      const res = await call('PATCH', `/api/v2/conversations/messages/${first.conversationId}`, { body: { state: 'disconnected' } });
      expect(res.status).toBe(202);
      const view = emu.conversation(first.conversationId);
      expect(view?.state).toBe('disconnected');
      expect(view?.participants.every((p) => p.state === 'disconnected')).toBe(true);
      expect((await call('GET', '/api/v2/conversations/messages/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    });
  });

  describe('outbound webhook delivery', () => {
    it('retries 503s with the same id, bytes and signature', async () => {
      const first = await sendInbound('retry-1');
      emu.joinAgent(first.conversationId);
      sink.respond = (n) => (n <= 2 ? 503 : 200);
      const sent = emu.agentMessage(first.conversationId, { text: 'retry me' });
      await emu.webhooksIdle();

      expect(sink.received).toHaveLength(3);
      expect(new Set(sink.received.map((r) => r.raw.toString('base64'))).size).toBe(1);
      expect(sink.received.every((r) => r.body.id === sent.id && r.headers['x-hub-signature-256'] === sign(r.raw))).toBe(true);
      const delivery = emu.conversation(first.conversationId)?.messages.find((m) => m.id === sent.id)?.delivery;
      expect(delivery).toMatchObject({ state: 'delivered', attempts: [{ status: 503 }, { status: 503 }, { status: 200 }] });
    });

    it('gives up after the retries, never retries other 4xx, and retries timeouts and 429', async () => {
      const first = await sendInbound('retry-2');
      emu.joinAgent(first.conversationId);

      sink.respond = () => 500;
      const exhausted = emu.agentMessage(first.conversationId, { text: 'always failing' });
      await emu.webhooksIdle();
      expect(sink.received).toHaveLength(3);

      sink.reset();
      sink.respond = () => 400;
      const rejected = emu.agentMessage(first.conversationId, { text: 'rejected' });
      await emu.webhooksIdle();
      expect(sink.received).toHaveLength(1);

      sink.reset();
      sink.respond = (n) => (n === 1 ? 'hang' : n === 2 ? 429 : 200);
      const slow = emu.agentMessage(first.conversationId, { text: 'slow receiver' });
      await emu.webhooksIdle();
      expect(sink.received.map((r) => r.body.id)).toEqual([slow.id, slow.id, slow.id]);

      const deliveries = Object.fromEntries(emu.webhookDeliveries().map((d) => [d.messageId, d]));
      expect(deliveries[exhausted.id]).toMatchObject({ state: 'failed', attempts: [{ status: 500 }, { status: 500 }, { status: 500 }] });
      expect(deliveries[rejected.id]).toMatchObject({ state: 'failed', attempts: [{ status: 400 }] });
      expect(deliveries[slow.id].attempts).toEqual([
        { at: expect.any(String), error: expect.stringContaining('timeout') },
        { at: expect.any(String), status: 429 },
        { at: expect.any(String), status: 200 },
      ]);
    });

    it('delivers one conversation in order even while an earlier message is being retried', async () => {
      const first = await sendInbound('order-1');
      emu.joinAgent(first.conversationId);
      sink.respond = (n) => (n === 1 ? 503 : 200);
      const one = emu.agentMessage(first.conversationId, { text: 'one' });
      const two = emu.agentMessage(first.conversationId, { text: 'two' });
      const three = emu.agentMessage(first.conversationId, { text: 'three' });
      await emu.webhooksIdle();
      expect(sink.received.map((r) => r.body.id)).toEqual([one.id, one.id, two.id, three.id]);
    });
  });

  describe('fault switches', () => {
    const inboundPath = `/api/v2/conversations/messages/${INTEGRATION_ID}/inbound/open/message`;

    it('answers 429 with Retry-After for the next N calls under a path prefix, and counts calls by path', async () => {
      const before = emu.apiCalls().countsByPath[inboundPath] ?? 0;
      const fault = await call('POST', '/emulator/v1/faults', {
        body: { mode: '429', count: 2, retryAfterSeconds: 3, pathPrefix: '/api/v2/conversations/messages/' },
      });
      expect(fault.status).toBe(201);

      const other = await call('GET', '/api/v2/conversations/messaging/integrations/open');
      expect(other.status).toBe(200);
      const limited = await call('POST', inboundPath, { body: inboundBody('fault-429') });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('3');
      expect(limited.body).toMatchObject({ code: 'too.many.requests', status: 429 });
      expect((await call('POST', inboundPath, { body: inboundBody('fault-429') })).status).toBe(429);
      expect((await call('POST', inboundPath, { body: inboundBody('fault-429') })).status).toBe(200);

      const stats = emu.apiCalls();
      expect(stats.countsByPath[inboundPath] - before).toBe(3);
      expect(
        stats.calls
          .filter((c) => c.path === inboundPath)
          .slice(-3)
          .map((c) => c.status),
      ).toEqual([429, 429, 200]);
      expect(emu.state().faults).toEqual([]);
      expect(emu.conversationFor(INTEGRATION_ID, 'fault-429')?.messages).toHaveLength(1);
    });

    it('answers 503, including on the token endpoint', async () => {
      emu.addFault({ mode: '503', count: 1, pathPrefix: '/oauth' });
      const failed = await fetchToken();
      expect(failed.status).toBe(503);
      expect(await failed.json()).toMatchObject({ status: 503 });
      expect((await fetchToken()).status).toBe(200);

      emu.addFault({ mode: '503', count: 1 });
      expect((await call('GET', '/api/v2/conversations/messaging/integrations/open')).status).toBe(503);
      expect((await call('GET', '/api/v2/conversations/messaging/integrations/open')).status).toBe(200);
    });

    it('hangs the next call until the client gives up, and clears faults on demand', async () => {
      emu.addFault({ mode: 'hang', count: 1 });
      await expect(
        call('GET', '/api/v2/conversations/messaging/integrations/open', { signal: AbortSignal.timeout(300) }),
      ).rejects.toThrow();
      expect((await call('GET', '/api/v2/conversations/messaging/integrations/open')).status).toBe(200);

      emu.addFault({ mode: '429', count: 5 });
      expect((await call('DELETE', '/emulator/v1/faults')).status).toBe(204);
      expect((await call('GET', '/api/v2/conversations/messaging/integrations/open')).status).toBe(200);
      expect((await call('POST', '/emulator/v1/faults', { body: { mode: 'teapot', count: 1 } })).status).toBe(400);
    });
  });

  describe('Notifications API', () => {
    it('manages subscriptions (PUT replaces, POST adds, DELETE clears) and caps them at 1000 topics', async () => {
      const channel = await call('POST', '/api/v2/notifications/channels');
      expect(channel.body).toEqual({
        id: expect.any(String),
        connectUri: `${emu.url.replace('http', 'ws')}/v2/notifications/channels/${channel.body.id}`,
        expires: expect.any(String),
      });
      const subs = `/api/v2/notifications/channels/${channel.body.id}/subscriptions`;
      await call('PUT', subs, { body: [{ id: 'v2.detail.events.conversation.a.user.end' }] });
      await call('POST', subs, { body: [{ id: 'v2.detail.events.conversation.b.user.end' }] });
      expect((await call('GET', subs)).body.entities.map((e: Json) => e.id)).toEqual([
        'v2.detail.events.conversation.a.user.end',
        'v2.detail.events.conversation.b.user.end',
      ]);
      await call('PUT', subs, { body: [{ id: 'v2.detail.events.conversation.c.acw' }] });
      expect((await call('GET', subs)).body.entities).toEqual([{ id: 'v2.detail.events.conversation.c.acw' }]);

      const tooMany = Array.from({ length: 1001 }, (_, i) => ({ id: `v2.detail.events.conversation.${i}.acw` }));
      const rejected = await call('PUT', subs, { body: tooMany });
      expect(rejected.status).toBe(400);
      expect(rejected.body).toMatchObject({ code: 'bad.request' });
      expect((await call('GET', subs)).body.entities).toHaveLength(1);

      expect((await call('DELETE', subs)).status).toBe(204);
      expect((await call('GET', subs)).body.entities).toEqual([]);
      expect((await call('GET', '/api/v2/notifications/channels/unknown/subscriptions')).status).toBe(404);
    });

    it('sends heartbeats, and socket_closing before it closes a socket', async () => {
      const first = await sendInbound('ws-closing');
      const probe = await subscribe(first.conversationId);
      await probe.waitFor((f) => f.topicName === 'channel.metadata' && f.eventBody.message === 'WebSocket Heartbeat');

      expect((await call('POST', '/emulator/v1/notifications/closing')).body.sockets).toBeGreaterThanOrEqual(1);
      await probe.waitFor((f) => f.topicName === 'v2.system.socket_closing' && typeof f.eventBody.message === 'string');
      expect((await probe.closed).code).toBe(1001);
    });

    it('survives an abrupt drop: reconnecting to the same connectUri keeps the subscriptions', async () => {
      const first = await sendInbound('ws-drop');
      const cid = first.conversationId as string;
      const channel = await call('POST', '/api/v2/notifications/channels');
      await call('PUT', `/api/v2/notifications/channels/${channel.body.id}/subscriptions`, {
        body: [{ id: `v2.detail.events.conversation.${cid}.user.start` }],
      });
      const probe = await WsProbe.connect(channel.body.connectUri);
      probes.push(probe);

      expect((await call('POST', '/emulator/v1/notifications/drop')).body.sockets).toBeGreaterThanOrEqual(1);
      expect((await probe.closed).code).toBe(1006);
      expect(probe.frames.some((f) => f.topicName === 'v2.system.socket_closing')).toBe(false);

      const again = await WsProbe.connect(channel.body.connectUri);
      probes.push(again);
      emu.joinAgent(cid);
      const start = await again.waitFor((f) => f.topicName.endsWith('.user.start'));
      expect(start.eventBody.conversationId).toBe(cid);
    });

    it('refuses WebSocket connections to unknown channels', async () => {
      await expect(WsProbe.connect(`${emu.url.replace('http', 'ws')}/v2/notifications/channels/nope`)).rejects.toThrow(/404/);
    });
  });

  describe('routing and availability', () => {
    it('answers estimated wait time and queue observations from the emulator settings', async () => {
      const updated = await call('PUT', '/emulator/v1/routing', {
        body: { estimatedWaitSeconds: 95, agentsIdle: 2, agentsInteracting: 3, waiting: 4 },
      });
      expect(updated.status).toBe(200);

      const ewt = await call('GET', '/api/v2/routing/queues/q-1/mediatypes/message/estimatedwaittime');
      expect(ewt.body).toEqual({ results: [{ intent: 'MESSAGE', formula: 'BEST', estimatedWaitTimeSeconds: 95 }] });

      const observations = await call('POST', '/api/v2/analytics/queues/observations/query', {
        body: {
          filter: {
            type: 'and',
            predicates: [
              { dimension: 'queueId', value: 'q-1' },
              { dimension: 'mediaType', value: 'message' },
            ],
          },
          metrics: ['oOnQueueUsers', 'oWaiting'],
        },
      });
      expect(observations.body.results).toEqual([
        {
          group: { queueId: 'q-1', mediaType: 'message' },
          data: [
            { metric: 'oOnQueueUsers', qualifier: 'IDLE', stats: { count: 2 } },
            { metric: 'oOnQueueUsers', qualifier: 'INTERACTING', stats: { count: 3 } },
            { metric: 'oWaiting', stats: { count: 4 } },
          ],
        },
      ]);
      expect((await call('POST', '/api/v2/analytics/queues/observations/query', { body: {} })).status).toBe(400);
      expect((await call('PUT', '/emulator/v1/routing', { body: { agentsIdle: -1 } })).status).toBe(400);
    });
  });

  describe('control API', () => {
    it('pushes a snapshot then every change on the live feed, and exposes state', async () => {
      const live = await WsProbe.connect(`${emu.url.replace('http', 'ws')}/emulator/v1/live`);
      probes.push(live);
      const snapshot = await live.waitFor((f) => f.type === 'snapshot');
      expect(snapshot.state.integrations.map((i: Json) => i.id)).toContain(INTEGRATION_ID);

      const first = await sendInbound('live-1');
      await live.waitFor((f) => f.type === 'conversation' && f.conversation.id === first.conversationId);
      await live.waitFor((f) => f.type === 'message' && f.entry.id === first.id);

      const state = await call('GET', '/emulator/v1/state', { auth: null });
      expect(state.headers.get('access-control-allow-origin')).toBe('*');
      const conversation = state.body.conversations.find((c: Json) => c.id === first.conversationId);
      expect(conversation).toMatchObject({ customer: { id: 'live-1' }, state: 'connected', agent: null });
      expect((await call('GET', `/emulator/v1/conversations/${first.conversationId}`)).body.id).toBe(first.conversationId);
      expect((await call('GET', '/emulator/v1/conversations/nope')).status).toBe(404);
    });

    it('creates OAuth clients and integrations, and resets conversations but keeps configuration', async () => {
      expect((await call('POST', '/emulator/v1/oauth-clients', { body: { clientId: 'demo', clientSecret: 'demo-secret' } })).status).toBe(
        201,
      );
      expect((await fetchToken('demo', 'demo-secret')).status).toBe(200);
      expect(
        (await call('POST', '/emulator/v1/integrations', { body: { id: 'x', webhookUrl: sink.url, webhookSecret: 'short' } })).status,
      ).toBe(400);
      const created = await call('POST', '/emulator/v1/integrations', {
        body: { id: 'demo-integration', name: 'Demo', webhookUrl: sink.url, webhookSecret: WEBHOOK_SECRET },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: 'demo-integration', outboundNotificationWebhookUrl: sink.url });

      await sendInbound('reset-1');
      expect((await call('POST', '/emulator/v1/reset')).status).toBe(204);
      const state = emu.state();
      expect(state.conversations).toEqual([]);
      expect(state.apiCalls.calls).toEqual([]);
      expect(state.integrations.map((i) => i.id)).toEqual(expect.arrayContaining([INTEGRATION_ID, 'demo-integration']));
      expect((await call('GET', '/api/v2/conversations/messaging/integrations/open')).status).toBe(200);
    });
  });
});

describe('Genesys Cloud emulator options', () => {
  it('threads into a disconnected conversation within the threading timeline, and sends inbound receipts', async () => {
    const sink = await WebhookSink.start();
    const emu = await GenesysEmulator.start({
      threadingTimelineSeconds: 60,
      inboundReceiptWebhooks: true,
      oauthClients: [CLIENT],
      integrations: [{ id: INTEGRATION_ID, webhookUrl: sink.url, webhookSecret: WEBHOOK_SECRET }],
    });
    try {
      const bearer = await accessToken(emu.url);
      const send = async () => {
        const res = await fetch(
          `${emu.url}/api/v2/conversations/messages/${INTEGRATION_ID}/inbound/open/message?prefetchConversationId=true`,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
            body: JSON.stringify({ channel: { from: { id: 'tl-1', idType: 'Opaque' }, time: new Date().toISOString() }, text: 'hi' }),
          },
        );
        return (await res.json()) as Json;
      };
      const first = await send();
      emu.endConversation(first.conversationId);
      const second = await send();
      expect(second.conversationId).toBe(first.conversationId);
      const view = emu.conversation(first.conversationId);
      expect(view?.state).toBe('connected');
      expect(view?.participants.filter((p) => p.purpose === 'customer').map((p) => p.state)).toEqual(['disconnected', 'connected']);

      await emu.webhooksIdle();
      const receipts = sink.received.map((r) => r.body);
      expect(receipts.map((r) => [r.type, r.status, r.id])).toEqual([
        ['Receipt', 'Delivered', first.id],
        ['Receipt', 'Delivered', second.id],
      ]);
    } finally {
      await emu.close();
      await sink.close();
    }
  });

  it('expires notification channels after their lifetime with socket_closing', async () => {
    const emu = await GenesysEmulator.start({ notificationChannelTtlMs: 300, oauthClients: [CLIENT] });
    try {
      const bearer = await accessToken(emu.url);
      const channel = (await (
        await fetch(`${emu.url}/api/v2/notifications/channels`, { method: 'POST', headers: { authorization: `Bearer ${bearer}` } })
      ).json()) as Json;
      const probe = await WsProbe.connect(channel.connectUri);
      await probe.waitFor((f) => f.topicName === 'v2.system.socket_closing');
      await probe.closed;
      const subs = await fetch(`${emu.url}/api/v2/notifications/channels/${channel.id}/subscriptions`, {
        headers: { authorization: `Bearer ${bearer}` },
      });
      expect(subs.status).toBe(404);
    } finally {
      await emu.close();
    }
  });

  it('closes open notification and live sockets and hung requests on close()', async () => {
    const emu = await GenesysEmulator.start({ oauthClients: [CLIENT] });
    const bearer = await accessToken(emu.url);
    const channel = (await (
      await fetch(`${emu.url}/api/v2/notifications/channels`, { method: 'POST', headers: { authorization: `Bearer ${bearer}` } })
    ).json()) as Json;
    const notifications = await WsProbe.connect(channel.connectUri);
    const live = await WsProbe.connect(`${emu.url.replace('http', 'ws')}/emulator/v1/live`);
    emu.addFault({ mode: 'hang', count: 1 });
    const hung = fetch(`${emu.url}/api/v2/users/x`, { headers: { authorization: `Bearer ${bearer}` } }).then(
      () => 'answered',
      () => 'cut',
    );

    await new Promise((resolve) => setTimeout(resolve, 50));
    await emu.close();
    expect(await hung).toBe('cut');
    await notifications.closed;
    await live.closed;
    expect(notifications.frames.some((f) => f.topicName === 'v2.system.socket_closing')).toBe(true);
  });
});
