import { mergePatch } from './merge-patch';

describe('mergePatch (RFC 7396)', () => {
  it('merges objects recursively, removes null fields and replaces everything else', () => {
    const target = { a: 1, nested: { keep: true, drop: 'x', list: [1, 2] }, gone: 'y' };
    const patch = { nested: { drop: null, list: [3], added: 'z' }, gone: null, b: 2 };
    expect(mergePatch(target, patch)).toEqual({ a: 1, nested: { keep: true, list: [3], added: 'z' }, b: 2 });
    expect(target.nested.drop).toBe('x');
  });

  it('reads nulls in a fresh body as absent and ignores __proto__', () => {
    const merged = mergePatch({}, JSON.parse('{"a":null,"b":{"c":null},"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(merged).toEqual({ b: {} });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
