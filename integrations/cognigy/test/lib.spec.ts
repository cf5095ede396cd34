import { attachmentsOf } from '../src/lib/attachments';
import { callConnector, clampTimeout, endpointUrl } from '../src/lib/connector-client';
import { connectorEventOf } from '../src/lib/events';
import { clientId, userMessageBody } from '../src/lib/messages';
import { mapTranscript, valueAt } from '../src/lib/transcript';
import { startFakeConnector } from './support/fake-connector';

describe('transcript mapping (Get Transcript → connector)', () => {
  it('maps roles, skips tool, system and empty steps, and takes seconds or milliseconds', () => {
    expect(
      mapTranscript([
        { role: 'user', type: 'input', payload: { text: ' hello ' }, timestamp: 1767261600 },
        { role: 'assistant', type: 'output', payload: { text: 'hi' }, timestamp: 1767261601000 },
        { role: 'agent', type: 'output', payload: { text: 'agent here' } },
        { role: 'assistant', type: 'toolCall', payload: { name: 'x' } },
        { role: 'system', type: 'output', payload: { text: 'system note' } },
        { role: 'user', type: 'input', payload: { text: '', data: { button: 1 } } },
        { source: 'user', payload: { text: 'by source' } },
        { from: 'bot', text: 'already mapped', time: '2026-01-01T10:00:00Z' },
        null,
        'junk',
      ]),
    ).toEqual([
      { from: 'user', text: 'hello', time: '2026-01-01T10:00:00.000Z' },
      { from: 'bot', text: 'hi', time: '2026-01-01T10:00:01.000Z' },
      { from: 'agent', text: 'agent here' },
      { from: 'user', text: 'by source' },
      { from: 'bot', text: 'already mapped', time: '2026-01-01T10:00:00.000Z' },
    ]);
  });

  it('is empty for anything but an array, and keeps the last `limit` entries', () => {
    expect(mapTranscript(undefined)).toEqual([]);
    expect(mapTranscript({ role: 'user' })).toEqual([]);
    const many = Array.from({ length: 10 }, (_, i) => ({ role: 'user', type: 'input', payload: { text: `m${i}` } }));
    expect(mapTranscript(many, 2).map((e) => e.text)).toEqual(['m8', 'm9']);
    expect(mapTranscript(many, 0).map((e) => e.text)).toEqual(['m9']);
  });

  it('reads dot paths with or without the input./context. prefix', () => {
    expect(valueAt({ a: { b: [1] } }, 'a.b')).toEqual([1]);
    expect(valueAt({ a: { b: [1] } }, 'input.a.b')).toEqual([1]);
    expect(valueAt({ a: 1 }, 'a.b.c')).toBeUndefined();
  });
});

describe('user messages', () => {
  it('maps Cognigy attachments to url, mime and filename, only http(s), at most 10', () => {
    expect(
      attachmentsOf({
        attachments: [
          { name: 'photo.JPG', url: 'https://cdn.example.com/a', type: 'image' },
          { url: 'https://cdn.example.com/report.pdf?sig=1', type: 'file' },
          { url: 'https://cdn.example.com/blob', mimeType: 'image/webp' },
          { url: 'javascript:alert(1)', name: 'x.png' },
          { url: 'https://cdn.example.com/unknown' },
        ],
      }),
    ).toEqual([
      { url: 'https://cdn.example.com/a', mime: 'image/jpeg', filename: 'photo.JPG' },
      { url: 'https://cdn.example.com/report.pdf?sig=1', mime: 'application/pdf' },
      { url: 'https://cdn.example.com/blob', mime: 'image/webp' },
      { url: 'https://cdn.example.com/unknown', mime: 'application/octet-stream' },
    ]);
    expect(
      attachmentsOf({ data: { attachments: Array.from({ length: 12 }, (_, i) => ({ url: `https://x.example.com/${i}.png` })) } }),
    ).toHaveLength(10);
  });

  it('makes message ids acceptable to the connector, deterministically', () => {
    expect(clientId('20ec9ed0-6f8e-4bfa-82fb-28f58be57035')).toBe('20ec9ed0-6f8e-4bfa-82fb-28f58be57035');
    expect(clientId('a b/c')).toBe('a-b-c');
    expect(clientId('x'.repeat(200))).toHaveLength(128);
    expect(userMessageBody({ messageId: 'm 1', text: 'hi' })).toEqual({ messageId: 'm-1', text: 'hi' });
    expect(userMessageBody({ messageId: 'm', text: '' })).toBeUndefined();
  });
});

describe('connector events in the input', () => {
  it('finds the event in input.data.handover or as input.data, and nothing in a user input', () => {
    const event = { id: 'evt_1', type: 'agent.joined', handoverId: 'h', data: {} };
    expect(connectorEventOf({ data: { handover: event } })).toBe(event);
    expect(connectorEventOf({ data: event })).toBe(event);
    expect(connectorEventOf({ data: { handover: { status: 'completed' } } })).toBeUndefined();
    expect(connectorEventOf({ data: { type: 'postback' } })).toBeUndefined();
    expect(connectorEventOf({})).toBeUndefined();
    expect(connectorEventOf(undefined)).toBeUndefined();
  });
});

describe('connector client', () => {
  it('builds URLs under a base path, URL-encoded', () => {
    expect(
      endpointUrl({ baseUrl: 'https://c.example.com/connector//', endpointId: 'acme', apiKey: 'k' }, 'sessions', 's/1', 'release'),
    ).toBe('https://c.example.com/connector/v1/endpoints/acme/sessions/s%2F1/release');
  });

  it('clamps the timeout into 100–15000 ms', () => {
    expect(clampTimeout(undefined)).toBe(8000);
    expect(clampTimeout('250')).toBe(250);
    expect(clampTimeout(5)).toBe(100);
    expect(clampTimeout(60000)).toBe(15000);
    expect(clampTimeout('soon')).toBe(8000);
  });

  it('answers a result for a 2xx without body, a non-JSON error and a body that never ends; it never throws', async () => {
    const connector = await startFakeConnector();
    try {
      const connection = { baseUrl: connector.baseUrl, endpointId: 'acme', apiKey: 'k' };
      connector.reply({ status: 202 }, { status: 502, body: 'Bad gateway' });
      await expect(callConnector(connection, 'POST', ['sessions', 's', 'typing'])).resolves.toEqual({
        ok: true,
        status: 202,
        body: undefined,
      });
      await expect(callConnector(connection, 'GET', ['availability'])).resolves.toMatchObject({
        ok: false,
        code: 'http',
        status: 502,
        message: 'the connector answered 502: Bad gateway',
      });
    } finally {
      await connector.close();
    }

    // Headers arrive, the body never ends: the deadline covers the body too.
    const http = await import('http');
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"available":');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const started = Date.now();
      const result = await callConnector(
        { baseUrl: `http://127.0.0.1:${port}`, endpointId: 'acme', apiKey: 'k' },
        'GET',
        ['availability'],
        { timeoutMs: 200 },
      );
      expect(result).toMatchObject({ ok: false, code: 'timeout' });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
