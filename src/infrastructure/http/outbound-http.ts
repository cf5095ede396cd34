import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, buildConnector, Dispatcher } from 'undici';
import { AppConfig } from '../../config/app-config';
import { EgressPolicy } from './egress-policy';

export type OutboundMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface OutboundRequest {
  method: OutboundMethod;
  url: string;
  headers?: Record<string, string>;
  /** Sent as is. */
  body?: string | Buffer;
  /** Serialised as JSON (with `content-type: application/json` unless a content type is given). */
  json?: unknown;
  /** Whole-request deadline (connect, headers and body); AppConfig.httpTimeoutMs by default. */
  timeoutMs?: number;
}

export interface OutboundResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json<T = unknown>(): T | undefined;
}

/** The request never got a complete answer: DNS, connect, reset, or the deadline passed. Worth retrying. */
export class OutboundNetworkError extends Error {
  override name = 'OutboundNetworkError';
  constructor(
    message: string,
    readonly kind: 'network' | 'timeout',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class OutboundTimeoutError extends OutboundNetworkError {
  override name = 'OutboundTimeoutError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'timeout', options);
  }
}

/** The destination resolves to an address the SSRF guard forbids (EGRESS_ALLOWLIST). Not worth retrying. */
export class EgressBlockedError extends Error {
  override name = 'EgressBlockedError';
  readonly code = 'EGRESS_BLOCKED';
  constructor(readonly host: string) {
    super(`Outbound connection to ${host} refused: it resolves to a private, loopback or link-local address not in EGRESS_ALLOWLIST`);
  }
}

export const MAX_RESPONSE_BYTES = 1024 * 1024;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function stripBrackets(host: string): string {
  return host.replace(/^\[|\]$/g, '');
}

function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | undefined;
  return (
    e?.name === 'TimeoutError' ||
    e?.code === 'UND_ERR_CONNECT_TIMEOUT' ||
    e?.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e?.code === 'UND_ERR_BODY_TIMEOUT'
  );
}

function findEgressError(err: unknown): EgressBlockedError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof EgressBlockedError) return e;
  }
  return undefined;
}

/**
 * The one HTTP client for calls leaving the connector (Genesys, bot callbacks): pooled keep-alive connections
 * (undici), a deadline per request, no redirects, and the SSRF guard applied when a connection is opened —
 * after DNS resolution, so a name that resolves (or rebinds) to an internal address is refused too.
 */
@Injectable()
export class OutboundHttp implements OnApplicationShutdown {
  private readonly policy: EgressPolicy;
  private readonly timeoutMs: number;
  private readonly agent: Agent;

  constructor(config: AppConfig) {
    this.policy = new EgressPolicy(config.egressAllowlist);
    this.timeoutMs = config.httpTimeoutMs;
    const connector = buildConnector({ lookup: this.lookup, timeout: this.timeoutMs });
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 300_000,
      connections: 128,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connect: (options, callback) => {
        // Node skips `lookup` for IP literals, so those are checked here.
        const host = stripBrackets(options.hostname);
        if (isIP(host) && !this.policy.allows(host, host)) {
          callback(new EgressBlockedError(host), null);
          return;
        }
        connector(options, callback);
      },
    });
  }

  /**
   * A `dns.lookup` replacement that drops forbidden addresses and fails when none is left. Usable wherever
   * Node accepts a `lookup` option (net, tls, http, ws), e.g. for the Genesys notifications WebSocket.
   */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      const allowed = addresses.filter((a) => this.policy.allows(hostname, a.address));
      if (allowed.length === 0) {
        callback(new EgressBlockedError(hostname), []);
        return;
      }
      if (options.all) callback(null, allowed);
      else callback(null, allowed[0].address, allowed[0].family);
    });
  };

  /** Throws EgressBlockedError for a URL whose host is a forbidden IP literal (names are checked at connect). */
  assertAllowedUrl(url: string): void {
    const host = stripBrackets(new URL(url).hostname);
    if (isIP(host) && !this.policy.allows(host, host)) throw new EgressBlockedError(host);
  }

  async request(req: OutboundRequest): Promise<OutboundResponse> {
    const headers: Record<string, string> = { ...req.headers };
    let body = req.body;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const url = new URL(req.url);
    const host = url.host;
    // One plain timer for the whole request: AbortSignal.timeout costs ~10 µs of CPU per call (a weak timer and
    // a finalizer), which showed up on the relay's hot path (two outbound calls per agent message).
    const abort = new AbortController();
    const deadline = setTimeout(() => abort.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await this.agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: req.method,
        headers,
        body,
        signal: abort.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      text = await readLimited(res.body, MAX_RESPONSE_BYTES);
    } catch (err) {
      throw this.translate(err, req.method, host, timeoutMs);
    } finally {
      clearTimeout(deadline);
    }
    return {
      status: res.statusCode,
      headers: flattenHeaders(res.headers),
      text,
      json<T>(): T | undefined {
        if (!text) return undefined;
        try {
          return JSON.parse(text) as T;
        } catch {
          return undefined;
        }
      },
    };
  }

  private translate(err: unknown, method: string, host: string, timeoutMs: number): Error {
    const blocked = findEgressError(err);
    if (blocked) return blocked;
    if (err instanceof OutboundNetworkError) return err;
    if (isTimeout(err)) return new OutboundTimeoutError(`${method} ${host} timed out after ${timeoutMs} ms`, { cause: err });
    const code = (err as { code?: string }).code;
    return new OutboundNetworkError(`${method} ${host} failed: ${code ?? (err as Error).message}`, 'network', { cause: err });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }
}

async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw new OutboundNetworkError(`response body exceeds ${limit} bytes`, 'network');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * A `Retry-After` value (delta-seconds or an HTTP date) in milliseconds from `now`; undefined when absent or
 * unparseable. Dates in the past give 0.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
