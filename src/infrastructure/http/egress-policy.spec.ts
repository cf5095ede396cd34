import { EgressPolicy } from './egress-policy';

describe('EgressPolicy', () => {
  const none = new EgressPolicy([]);

  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '::1',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '0.0.0.0',
  ])('refuses the restricted address %s by default', (ip) => expect(none.allows('host.example', ip)).toBe(false));

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700::1111'])('allows the public address %s', (ip) => {
    expect(none.allows('host.example', ip)).toBe(true);
  });

  it('allows listed host names, addresses and CIDRs', () => {
    const policy = new EgressPolicy(['localhost', '10.0.0.0/8', '192.168.1.5']);
    expect(policy.allows('localhost', '127.0.0.1')).toBe(true);
    expect(policy.allows('any.example', '10.20.30.40')).toBe(true);
    expect(policy.allows('any.example', '192.168.1.5')).toBe(true);
    expect(policy.allows('any.example', '192.168.1.6')).toBe(false);
    expect(policy.allows('other.example', '127.0.0.1')).toBe(false);
  });

  it('checks URLs with IP literals and localhost before resolution', () => {
    expect(none.allowsUrl('http://127.0.0.1:8080/x')).toBe(false);
    expect(none.allowsUrl('https://localhost/x')).toBe(false);
    expect(none.allowsUrl('http://[::1]/x')).toBe(false);
    expect(none.allowsUrl('https://bot.example.com/x')).toBe(true);
    expect(new EgressPolicy(['127.0.0.1']).allowsUrl('http://127.0.0.1:8080/x')).toBe(true);
  });
});
