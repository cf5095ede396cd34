import { createHmac } from 'node:crypto';
import { signStandardWebhook, verifyStandardWebhook } from './standard-webhooks';

describe('Standard Webhooks signatures', () => {
  const body = '{"id":"evt_1","type":"agent.message"}';

  it('signs "id.timestamp.body" with HMAC-SHA256 in base64, prefixed v1,', () => {
    const expected = createHmac('sha256', 'a-callback-secret-of-24-chars').update(`evt_1.1700000000.${body}`).digest('base64');
    expect(signStandardWebhook('a-callback-secret-of-24-chars', 'evt_1', 1700000000, body)).toBe(`v1,${expected}`);
  });

  it('decodes whsec_ secrets like the Standard Webhooks libraries (spec test vector)', () => {
    // Vector from the Standard Webhooks specification.
    const sig = signStandardWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(sig).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies, rejecting tampering, stale timestamps and other secrets', () => {
    const now = 1700000000 * 1000;
    const headers = {
      'webhook-id': 'evt_1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': signStandardWebhook('s'.repeat(24), 'evt_1', 1700000000, body),
    };
    expect(verifyStandardWebhook('s'.repeat(24), headers, body, { now })).toBe(true);
    expect(verifyStandardWebhook('s'.repeat(24), headers, body + ' ', { now })).toBe(false);
    expect(verifyStandardWebhook('t'.repeat(24), headers, body, { now })).toBe(false);
    expect(verifyStandardWebhook('s'.repeat(24), headers, body, { now: now + 301000 })).toBe(false);
    expect(
      verifyStandardWebhook('s'.repeat(24), { ...headers, 'webhook-signature': `v1,bogus ${headers['webhook-signature']}` }, body, { now }),
    ).toBe(true);
  });
});
