import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Compares two strings in time independent of where they differ (both are hashed to equal length first). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A new random API key with a recognisable prefix (so leaked keys can be found by scanners). */
export function newApiKey(): string {
  return `hck_${randomBytes(32).toString('base64url')}`;
}
