import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-hub-signature-256';

/** `sha256=<base64 HMAC-SHA256>` of a 32-byte digest: exactly 44 base64 characters ending in one "=". */
const SIGNATURE = /^sha256=([A-Za-z0-9+/]{43}=)$/;

/**
 * Whether `header` is a valid Genesys signature of the raw request bytes under one of `secrets` (current and,
 * during rotation, previous). Hex digests, other encodings and a missing `sha256=` prefix are refused. Every
 * secret is tried, so the time taken does not reveal which one matched.
 */
export function verifyGenesysSignature(header: string | string[] | undefined, rawBody: Buffer, secrets: string[]): boolean {
  if (typeof header !== 'string') return false;
  const match = SIGNATURE.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1], 'base64');
  let valid = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    if (timingSafeEqual(given, expected)) valid = true;
  }
  return valid;
}
