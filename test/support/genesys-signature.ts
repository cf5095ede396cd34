import { createHmac } from 'node:crypto';

/** The `X-Hub-Signature-256` value Genesys sends for `rawBody`. */
export function signGenesysBody(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('base64')}`;
}
