import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips a secret and never contains the plaintext', () => {
    const sealed = box.seal('my client secret', 'endpoint:a:clientSecret');
    expect(sealed).not.toContain('my client secret');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(box.open(sealed, 'endpoint:a:clientSecret')).toBe('my client secret');
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('x', 's')).not.toBe(box.seal('x', 's'));
  });

  it('refuses a ciphertext moved to another slot', () => {
    const sealed = box.seal('secret', 'endpoint:a:clientSecret');
    expect(() => box.open(sealed, 'endpoint:b:clientSecret')).toThrow();
  });

  it('refuses a tampered ciphertext and a wrong key', () => {
    const sealed = box.seal('secret', 's');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 's')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 's')).toThrow();
  });
});
