import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { OutboundHttp } from '../../infrastructure/http/outbound-http';
import { ProviderUnavailableError } from '../provider-errors';
import { errorFromResponse, errorFromTransport } from './genesys-errors';

export interface GenesysCredentials {
  loginBaseUrl: string;
  clientId: string;
  clientSecret: string;
}

interface CachedToken {
  accessToken: string;
  /** When to stop using it (some time before Genesys's expiry). */
  refreshAt: number;
}

const EARLY_REFRESH_MS = 60_000;

/**
 * OAuth client-credentials tokens, cached per (login host, client id, secret) until shortly before they expire.
 * Concurrent callers share one token request (single-flight), so a burst never asks Genesys for several tokens.
 */
@Injectable()
export class GenesysAuth {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();
  /** Injected in tests. */
  now: () => number = Date.now;

  constructor(private readonly http: OutboundHttp) {}

  async accessToken(credentials: GenesysCredentials): Promise<string> {
    const key = cacheKey(credentials);
    const cached = this.tokens.get(key);
    if (cached && cached.refreshAt > this.now()) return cached.accessToken;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetchToken(credentials).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return (await pending).accessToken;
  }

  /** Forgets `accessToken` after Genesys refused it (401); a newer token fetched meanwhile is kept. */
  invalidate(credentials: GenesysCredentials, accessToken: string): void {
    const key = cacheKey(credentials);
    if (this.tokens.get(key)?.accessToken === accessToken) this.tokens.delete(key);
  }

  private async fetchToken(credentials: GenesysCredentials): Promise<CachedToken> {
    const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`, 'utf8').toString('base64');
    let res;
    try {
      res = await this.http.request({
        method: 'POST',
        url: `${credentials.loginBaseUrl}/oauth/token`,
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: 'grant_type=client_credentials',
      });
    } catch (err) {
      throw errorFromTransport('token request', err);
    }
    if (res.status !== 200) throw errorFromResponse('token request', res);
    const body = res.json<{ access_token?: unknown; expires_in?: unknown }>();
    if (typeof body?.access_token !== 'string' || body.access_token === '') {
      throw new ProviderUnavailableError('Genesys token response has no access_token', { status: res.status });
    }
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
    // Short-lived tokens (tests, tight client settings) are renewed at half-life instead of 60 s early.
    const margin = Math.min(EARLY_REFRESH_MS, lifetimeMs / 2);
    const token = { accessToken: body.access_token, refreshAt: this.now() + lifetimeMs - margin };
    const key = cacheKey(credentials);
    for (const other of this.tokens.keys()) {
      if (other.startsWith(keyPrefix(credentials))) this.tokens.delete(other);
    }
    this.tokens.set(key, token);
    return token;
  }
}

function keyPrefix(c: GenesysCredentials): string {
  return `${c.loginBaseUrl}|${c.clientId}|`;
}

function cacheKey(c: GenesysCredentials): string {
  return keyPrefix(c) + createHash('sha256').update(c.clientSecret).digest('base64url').slice(0, 22);
}
