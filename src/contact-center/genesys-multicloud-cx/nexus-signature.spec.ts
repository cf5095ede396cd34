import { createHmac } from 'node:crypto';
import { nexusSignature, verifyNexusSignature } from './nexus-signature';

const SECRET = 'channel-secret-0123456789';
const raw = Buffer.from('{"channel":{"to":{"id":"u-1"},"messageId":"1613474523265-0"},"type":"Text","text":"Hi"}');

describe('Nexus X-Hub-Signature (sha1, hex)', () => {
  it('signs as the official examples show: sha1= and 40 lower-case hex digits over the exact bytes', () => {
    expect(nexusSignature(SECRET, raw)).toBe(`sha1=${createHmac('sha1', SECRET).update(raw).digest('hex')}`);
    expect(nexusSignature(SECRET, raw)).toMatch(/^sha1=[0-9a-f]{40}$/);
  });

  it('accepts the current and the previous secret, and upper-case hex', () => {
    const old = 'previous-secret-0123456789';
    expect(verifyNexusSignature(nexusSignature(SECRET, raw), raw, [SECRET])).toBe(true);
    expect(verifyNexusSignature(nexusSignature(old, raw), raw, [SECRET, old])).toBe(true);
    expect(verifyNexusSignature(nexusSignature(SECRET, raw).toUpperCase().replace('SHA1=', 'sha1='), raw, [SECRET])).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['repeated header', ['a', 'b']],
    ['another secret', nexusSignature('another-secret-0123456789', raw)],
    ['base64 instead of hex', `sha1=${createHmac('sha1', SECRET).update(raw).digest('base64')}`],
    ['sha256 instead of sha1', `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`],
    ['sha1= prefix with a sha256 digest', `sha1=${createHmac('sha256', SECRET).update(raw).digest('hex')}`],
    ['no prefix', createHmac('sha1', SECRET).update(raw).digest('hex')],
    ['truncated', nexusSignature(SECRET, raw).slice(0, -2)],
  ])('refuses a signature that is %s', (_name, header) => {
    expect(verifyNexusSignature(header, raw, [SECRET])).toBe(false);
  });

  it('refuses a body altered after signing, by one byte', () => {
    const signature = nexusSignature(SECRET, raw);
    const altered = Buffer.from(raw);
    altered[altered.length - 3] ^= 1;
    expect(verifyNexusSignature(signature, altered, [SECRET])).toBe(false);
  });
});
