import { randomBytes } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { sendGenesysError } from './errors';
import type { OAuthClientInput } from './types';

const DEFAULT_TOKEN_TTL_SECONDS = 86400;

interface IssuedToken {
  clientId: string;
  expiresAt: number;
}

/** The login host's client-credentials grant and the api host's bearer check. */
export class OAuthServer {
  private readonly clients = new Map<string, Required<OAuthClientInput>>();
  private readonly tokens = new Map<string, IssuedToken>();
  private requests = new Map<string, number>();

  addClient(input: OAuthClientInput): void {
    this.clients.set(input.clientId, {
      tokenTtlSeconds: DEFAULT_TOKEN_TTL_SECONDS,
      permissions: undefined,
      ...input,
    } as Required<OAuthClientInput>);
  }

  /** The client's permissions; undefined: all of them. */
  permissionsOf(clientId: string): readonly string[] | undefined {
    return this.clients.get(clientId)?.permissions;
  }

  /** Every issued token stops working (the next API call answers 401). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  tokenRequestCounts(): Record<string, number> {
    return Object.fromEntries(this.requests);
  }

  resetCounters(): void {
    this.requests = new Map();
  }

  /** `POST /oauth/token`: Basic client credentials, form `grant_type=client_credentials`. */
  readonly tokenHandler: RequestHandler = (req, res) => {
    const credentials = parseBasic(req.headers.authorization);
    const countKey = credentials?.clientId ?? '(none)';
    this.requests.set(countKey, (this.requests.get(countKey) ?? 0) + 1);

    const client = credentials && this.clients.get(credentials.clientId);
    if (!client || client.clientSecret !== credentials.clientSecret) {
      return oauthError(res, 401, 'invalid_client', 'Invalid client credentials');
    }
    const grantType = (req.body as Record<string, unknown> | undefined)?.grant_type;
    if (grantType !== 'client_credentials') {
      return oauthError(res, 400, 'unsupported_grant_type', `Unsupported grant type: ${String(grantType ?? '')}`);
    }
    const accessToken = randomBytes(48).toString('base64url');
    this.tokens.set(accessToken, { clientId: client.clientId, expiresAt: Date.now() + client.tokenTtlSeconds * 1000 });
    res.json({ access_token: accessToken, token_type: 'bearer', expires_in: client.tokenTtlSeconds });
  };

  /** Every /api/v2 call needs a valid, unexpired bearer token. */
  readonly requireBearer: RequestHandler = (req, res, next) => {
    const match = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const token = match ? this.tokens.get(match[1]) : undefined;
    if (!token || token.expiresAt <= Date.now()) {
      if (match && token) this.tokens.delete(match[1]);
      return sendGenesysError(res, 401, 'bad.credentials', 'Invalid login credentials.');
    }
    res.locals.clientId = token.clientId;
    res.locals.token = match![1];
    next();
  };
}

function parseBasic(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = /^basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
}

function oauthError(res: Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, description, error_description: description });
}
