import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header Nexus signs with, both ways (Third-Party Messaging and Interactions webhooks, our requests to it). */
export const NEXUS_SIGNATURE_HEADER = 'x-hub-signature';

/** `sha1=` + lower-case hex HMAC-SHA1 of the exact bytes, keyed with the channel (or webhook) secret. */
export function nexusSignature(secret: string, raw: Buffer | string): string {
  return `sha1=${createHmac('sha1', secret).update(raw).digest('hex')}`;
}

/** `sha1=<40 hex digits>`; hex in either case, as in GitHub's and Meta's X-Hub-Signature. */
const SIGNATURE = /^sha1=([0-9a-fA-F]{40})$/;

/**
 * Whether `header` is a valid Nexus signature of the raw request bytes under one of `secrets` (current and, during
 * rotation, previous). Base64 digests, SHA-256 digests and a missing `sha1=` prefix are refused. Every secret is
 * tried, so the time taken does not reveal which one matched.
 */
export function verifyNexusSignature(header: string | string[] | undefined, raw: Buffer, secrets: string[]): boolean {
  if (typeof header !== 'string') return false;
  const match = SIGNATURE.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1], 'hex');
  let valid = false;
  for (const secret of secrets) {
    if (timingSafeEqual(given, createHmac('sha1', secret).update(raw).digest())) valid = true;
  }
  return valid;
}
