import { createHash } from 'node:crypto';

export interface TranscriptEntry {
  from: 'user' | 'bot' | 'agent';
  text: string;
  time?: string;
}

const LABEL: Record<TranscriptEntry['from'], string> = { user: 'User', bot: 'Bot', agent: 'Agent' };

/** Identifies an entry across handovers of one session, so a re-handover sends only what the agent has not seen. */
export function entryMark(entry: TranscriptEntry): string {
  return createHash('sha1')
    .update(`${entry.from}\u0000${entry.time ?? ''}\u0000${entry.text}`)
    .digest('base64url');
}

/** The entries after the one marked as last sent; all of them when the mark is absent or not found. */
export function unsentEntries(transcript: TranscriptEntry[], lastSentMark: string | undefined): TranscriptEntry[] {
  if (!lastSentMark) return transcript;
  const index = transcript.findIndex((entry) => entryMark(entry) === lastSentMark);
  return index === -1 ? transcript : transcript.slice(index + 1);
}

function line(entry: TranscriptEntry): string {
  const time = entry.time && !Number.isNaN(Date.parse(entry.time)) ? ` ${new Date(entry.time).toISOString().slice(11, 16)}` : '';
  return `[${LABEL[entry.from]}${time}] ${entry.text}`;
}

/**
 * The transcript as agent-readable messages of at most `limit` characters: a heading, one line per entry,
 * lines packed greedily into parts; a line longer than the limit is cut into pieces.
 */
export function transcriptMessages(entries: TranscriptEntry[], limit: number): string[] {
  if (entries.length === 0) return [];
  const lines = ['Conversation with the bot so far:', ...entries.map(line)];
  const parts: string[] = [];
  let current = '';
  for (const text of lines) {
    for (let offset = 0; offset < text.length || offset === 0; offset += limit) {
      const piece = text.slice(offset, offset + limit);
      if (current && current.length + 1 + piece.length > limit) {
        parts.push(current);
        current = '';
      }
      current = current ? `${current}\n${piece}` : piece;
      if (text.length === 0) break;
    }
  }
  if (current) parts.push(current);
  return parts;
}

/** A long text as consecutive pieces of at most `limit` characters. */
export function splitText(text: string, limit: number): string[] {
  const pieces: string[] = [];
  for (let offset = 0; offset < text.length; offset += limit) pieces.push(text.slice(offset, offset + limit));
  return pieces;
}
