import * as http from 'http';
import * as https from 'https';

/** The Connection's fields, as Cognigy hands them to a node in `config.connection`. */
export interface ConnectorConnection {
  /** e.g. `https://connector.example.com` (a path prefix is kept). */
  baseUrl: string;
  endpointId: string;
  /** The endpoint's API key (the admin API shows it once). */
  apiKey: string;
}

/** Why a call failed: `http` is an answer outside 2xx; the others never reached an answer. */
export type ConnectorErrorCode = 'config' | 'timeout' | 'unreachable' | 'http' | 'bad_response';

export type ConnectorResult<T> =
  { ok: true; status: number; body: T } | { ok: false; code: ConnectorErrorCode; status?: number; message: string; body?: unknown };

/** One call's deadline by default: one call per node run, well inside Cognigy's 20 s per execution. */
export const DEFAULT_TIMEOUT_MS = 8000;
export const MIN_TIMEOUT_MS = 100;
export const MAX_TIMEOUT_MS = 15000;
/** Answers larger than this are cut off (the connector's answers are a few hundred bytes). */
const MAX_RESPONSE_BYTES = 256 * 1024;

export function clampTimeout(value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return DEFAULT_TIMEOUT_MS;
  return Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, Math.round(n)));
}

/** The connection's problem in words, or undefined when it can be used. */
export function connectionProblem(connection: Partial<ConnectorConnection> | undefined): string | undefined {
  if (!connection || typeof connection !== 'object') return 'no Connection selected';
  const { baseUrl, endpointId, apiKey } = connection;
  if (typeof baseUrl !== 'string' || !/^https?:\/\/[^/\s]+/i.test(baseUrl.trim())) return "the Connection's baseUrl must be an http(s) URL";
  if (typeof endpointId !== 'string' || endpointId.trim() === '') return 'the Connection has no endpointId';
  if (typeof apiKey !== 'string' || apiKey.trim() === '') return 'the Connection has no apiKey';
  return undefined;
}

/** `/v1/endpoints/:endpointId` + the given segments, each URL-encoded. */
export function endpointUrl(connection: ConnectorConnection, ...segments: string[]): string {
  const base = connection.baseUrl.trim().replace(/\/+$/, '');
  const path = ['v1', 'endpoints', connection.endpointId.trim(), ...segments].map(encodeURIComponent).join('/');
  return `${base}/${path}`;
}

function messageOf(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'message' in body) {
    const message = (body as { message: unknown }).message;
    if (Array.isArray(message)) return message.map(String).join('; ');
    if (typeof message === 'string') return message;
  }
  return undefined;
}

/**
 * One HTTP call to the connector's bot API with the endpoint's API key. Never throws: every outcome is a
 * result, so a node can always take a branch. The deadline covers connecting, the headers and the whole body.
 */
export function callConnector<T = unknown>(
  connection: ConnectorConnection,
  method: 'GET' | 'POST',
  segments: string[],
  options: { body?: unknown; query?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<ConnectorResult<T>> {
  const problem = connectionProblem(connection);
  if (problem) return Promise.resolve({ ok: false, code: 'config', message: problem });

  let url: URL;
  try {
    url = new URL(endpointUrl(connection, ...segments));
    for (const [key, value] of Object.entries(options.query ?? {})) if (value) url.searchParams.set(key, value);
  } catch {
    return Promise.resolve({ ok: false, code: 'config', message: "the Connection's baseUrl is not a valid URL" });
  }
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8');
  const headers: Record<string, string> = {
    accept: 'application/json',
    authorization: `Bearer ${connection.apiKey.trim()}`,
    'user-agent': 'handover-connector-cognigy',
  };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  const timeoutMs = clampTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const transport = url.protocol === 'https:' ? https : http;

  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ConnectorResult<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    let request: http.ClientRequest | undefined;
    const timer = setTimeout(() => {
      finish({ ok: false, code: 'timeout', message: `the connector did not answer within ${timeoutMs} ms (${method} ${url.pathname})` });
      request?.destroy();
    }, timeoutMs);
    try {
      request = transport.request(url, { method, headers }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        });
        response.on('error', (err) =>
          finish({ ok: false, code: 'unreachable', message: `the connection broke while reading the answer: ${err.message}` }),
        );
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = undefined;
          if (text.trim() !== '') {
            try {
              body = JSON.parse(text);
            } catch {
              if (status >= 200 && status < 300) {
                finish({
                  ok: false,
                  code: 'bad_response',
                  status,
                  message: `the connector answered ${status} with a body that is not JSON`,
                });
                return;
              }
              body = text.slice(0, 500);
            }
          }
          if (status >= 200 && status < 300) finish({ ok: true, status, body: body as T });
          else {
            const detail = messageOf(body) ?? (typeof body === 'string' ? body : undefined);
            finish({ ok: false, code: 'http', status, body, message: `the connector answered ${status}${detail ? `: ${detail}` : ''}` });
          }
        });
      });
      request.on('error', (err: NodeJS.ErrnoException) =>
        finish({ ok: false, code: 'unreachable', message: `the connector is unreachable (${err.code ?? err.message})` }),
      );
      request.end(payload);
    } catch (err) {
      finish({
        ok: false,
        code: 'unreachable',
        message: `the request could not be sent: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  });
}
