import { entryMark, transcriptMessages, TranscriptEntry, unsentEntries } from './transcript';

const entries: TranscriptEntry[] = [
  { from: 'user', text: 'I want a human', time: '2026-01-01T10:00:00Z' },
  { from: 'bot', text: 'Connecting you…', time: '2026-01-01T10:00:01Z' },
];

describe('transcript', () => {
  it('formats one line per entry under a heading', () => {
    expect(transcriptMessages(entries, 4000)).toEqual([
      'Conversation with the bot so far:\n[User 10:00] I want a human\n[Bot 10:00] Connecting you…',
    ]);
  });

  it('splits at line boundaries and never exceeds the limit, cutting over-long lines', () => {
    const many: TranscriptEntry[] = Array.from({ length: 30 }, (_, i) => ({
      from: i % 2 ? 'bot' : 'user',
      text: `message number ${i} `.repeat(5),
    }));
    many.push({ from: 'user', text: 'x'.repeat(250) });
    const parts = transcriptMessages(many, 100);
    expect(parts.every((p) => p.length <= 100)).toBe(true);
    expect(parts.join('\n').replace(/\n/g, '')).toContain('x'.repeat(100));
    const joined = parts.join('\n');
    for (let i = 0; i < 30; i++) expect(joined).toContain(`message number ${i}`);
    expect(joined.indexOf('message number 3 ')).toBeLessThan(joined.indexOf('message number 4 '));
  });

  it('sends nothing for an empty transcript', () => {
    expect(transcriptMessages([], 4000)).toEqual([]);
  });

  it('finds the part not yet sent on a re-handover', () => {
    const later = [
      ...entries,
      { from: 'agent' as const, text: 'Bye', time: '2026-01-01T10:05:00Z' },
      { from: 'user' as const, text: 'Again please', time: '2026-01-01T11:00:00Z' },
    ];
    expect(unsentEntries(later, entryMark(entries[1]))).toEqual(later.slice(2));
    expect(unsentEntries(later, undefined)).toEqual(later);
    expect(unsentEntries(later, 'unknown-mark')).toEqual(later);
    expect(unsentEntries(entries, entryMark(entries[1]))).toEqual([]);
  });
});
