import { createHmac } from 'node:crypto';
import { signGenesysBody } from '../../../test/support/genesys-signature';
import { verifyGenesysSignature } from './webhook-signature';

const SECRET = 'genesys-webhook-secret-0123456789';
const COMPACT = '{"id":"c327c2078ca056db130c55ce648d9fa2","type":"Text","text":"Hello World"}';
/** The same JSON value with insignificant whitespace, as a sender may well produce it. */
const SPACED = '{\n  "id" : "c327c2078ca056db130c55ce648d9fa2",\n  "type": "Text",   "text":"Hello World"\n}\n';

describe('Genesys webhook signature', () => {
  it('matches fixed vectors (RFC 4231 case 2 and two hand-computed bodies)', () => {
    // RFC 4231 §4.3: HMAC-SHA256("Jefe", "what do ya want for nothing?") = 5bdcc146…3843 (hex), here in base64.
    expect(signGenesysBody('Jefe', 'what do ya want for nothing?')).toBe('sha256=W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=');
    // Computed once with: createHmac('sha256', SECRET).update(body).digest('base64')
    expect(createHmac('sha256', SECRET).update(COMPACT).digest('base64')).toBe('1gjulvp4H4gT2GyHV9pMhmKMaknsM9pZJrY5Pwb++ag=');
    expect(signGenesysBody(SECRET, COMPACT)).toBe('sha256=1gjulvp4H4gT2GyHV9pMhmKMaknsM9pZJrY5Pwb++ag=');
    expect(signGenesysBody(SECRET, SPACED)).toBe('sha256=yufyU46tLzEqbSEFJDVOireWYBV/88DSh+f5PTVQeaI=');
  });

  it('verifies over the raw bytes, not over re-serialised JSON', () => {
    const raw = Buffer.from(SPACED, 'utf8');
    const header = 'sha256=yufyU46tLzEqbSEFJDVOireWYBV/88DSh+f5PTVQeaI=';
    expect(verifyGenesysSignature(header, raw, [SECRET])).toBe(true);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(SPACED)), 'utf8');
    expect(reserialised.toString()).toBe(COMPACT);
    expect(verifyGenesysSignature(header, reserialised, [SECRET])).toBe(false);
  });

  it('rejects a hex digest of the right HMAC', () => {
    const hex = createHmac('sha256', SECRET).update(COMPACT).digest('hex');
    expect(hex).toBe('d608ee96fa781f8813d86c8757da4c86628c6a49ec33da5926b6393f06fef9a8');
    expect(verifyGenesysSignature(`sha256=${hex}`, Buffer.from(COMPACT), [SECRET])).toBe(false);
    expect(verifyGenesysSignature(hex, Buffer.from(COMPACT), [SECRET])).toBe(false);
  });

  it('rejects a missing, different or misspelt prefix', () => {
    const b64 = '1gjulvp4H4gT2GyHV9pMhmKMaknsM9pZJrY5Pwb++ag=';
    for (const header of [b64, `sha1=${b64}`, `SHA256=${b64}`, `sha256:${b64}`, `sha256= ${b64}`]) {
      expect(verifyGenesysSignature(header, Buffer.from(COMPACT), [SECRET])).toBe(false);
    }
    expect(verifyGenesysSignature(`sha256=${b64}`, Buffer.from(COMPACT), [SECRET])).toBe(true);
  });

  it('rejects missing, empty, repeated, truncated and base64url headers', () => {
    const body = Buffer.from(COMPACT);
    expect(verifyGenesysSignature(undefined, body, [SECRET])).toBe(false);
    expect(verifyGenesysSignature('', body, [SECRET])).toBe(false);
    expect(verifyGenesysSignature(['sha256=1gjulvp4H4gT2GyHV9pMhmKMaknsM9pZJrY5Pwb++ag='], body, [SECRET])).toBe(false);
    expect(verifyGenesysSignature('sha256=1gjulvp4H4gT2GyHV9pMhmKMaknsM9pZJrY5Pwb++ag', body, [SECRET])).toBe(false);
    expect(verifyGenesysSignature('sha256=1gjulvp4H4gT2GyHV9pMhmKMaknsM9pZJrY5Pwb--ag=', body, [SECRET])).toBe(false);
  });

  it('rejects the wrong secret and accepts the previous secret during rotation', () => {
    const body = Buffer.from(COMPACT);
    const header = signGenesysBody(SECRET, body);
    expect(verifyGenesysSignature(header, body, ['another-secret-value-123'])).toBe(false);
    expect(verifyGenesysSignature(header, body, ['new-secret-after-rotation', SECRET])).toBe(true);
    expect(verifyGenesysSignature(header, body, [])).toBe(false);
  });

  it('rejects a signature over a modified body', () => {
    const header = signGenesysBody(SECRET, COMPACT);
    expect(verifyGenesysSignature(header, Buffer.from(COMPACT.replace('World', 'world')), [SECRET])).toBe(false);
  });
});
