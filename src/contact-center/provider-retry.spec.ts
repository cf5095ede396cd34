import { jitteredBackoff } from './provider-retry';

describe('jitteredBackoff', () => {
  const policy = { baseDelayMs: 250, maxDelayMs: 4000 };

  it('draws from [0, base·2^(n-1)] capped at the maximum (full jitter)', () => {
    expect(jitteredBackoff(1, policy, () => 0.999)).toBe(249);
    expect(jitteredBackoff(3, policy, () => 0.999)).toBe(999);
    expect(jitteredBackoff(10, policy, () => 0.999)).toBe(3996);
    expect(jitteredBackoff(5, policy, () => 0)).toBe(0);
  });
});
