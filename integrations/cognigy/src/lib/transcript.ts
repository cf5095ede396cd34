/** One entry of the connector's transcript (`POST /handovers` body, `transcript[]`). */
export interface ConnectorTranscriptEntry {
  from: 'user' | 'bot' | 'agent';
  text: string;
  time?: string;
}

/** The connector's limits on `transcript` (500 entries, 10,000 characters each; the request body is at most 1 MiB). */
export const MAX_TRANSCRIPT_ENTRIES = 500;
export const MAX_ENTRY_TEXT = 10000;
const MAX_TRANSCRIPT_JSON = 512 * 1024;
export const DEFAULT_TRANSCRIPT_LIMIT = 50;

/**
 * Who said it, from a Get Transcript entry: `role` (`user`, `assistant`, `agent`, `system`, `tool`) or, when
 * absent, `source`. System and tool steps are not part of what the agent should read.
 */
function speaker(entry: Record<string, unknown>): ConnectorTranscriptEntry['from'] | undefined {
  const who = typeof entry.role === 'string' ? entry.role : typeof entry.source === 'string' ? entry.source : undefined;
  switch (who) {
    case 'user':
      return 'user';
    case 'assistant':
    case 'bot':
      return 'bot';
    case 'agent':
      return 'agent';
    default:
      return undefined;
  }
}

/** Get Transcript's `timestamp` is a UNIX time; milliseconds are told from seconds by size. */
function isoTime(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    const ms = value < 1e12 ? value * 1000 : value;
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return undefined;
}

function textOf(entry: Record<string, unknown>): string | undefined {
  const payload = entry.payload;
  if (payload && typeof payload === 'object') {
    const { text, textAlternative } = payload as { text?: unknown; textAlternative?: unknown };
    if (typeof text === 'string' && text.trim() !== '') return text.trim();
    if (typeof textAlternative === 'string' && textAlternative.trim() !== '') return textAlternative.trim();
  }
  // An entry already in the connector's shape ({ from, text, time }) is taken as it is.
  if (typeof entry.text === 'string' && entry.text.trim() !== '') return entry.text.trim();
  return undefined;
}

function mapEntry(raw: unknown): ConnectorTranscriptEntry | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const entry = raw as Record<string, unknown>;
  // Get Transcript steps: only what the user and the agents said (`input` and `output`), not tool calls or debug logs.
  if (typeof entry.type === 'string' && entry.type !== 'input' && entry.type !== 'output') return undefined;
  const from =
    typeof entry.from === 'string' && ['user', 'bot', 'agent'].includes(entry.from)
      ? (entry.from as ConnectorTranscriptEntry['from'])
      : speaker(entry);
  const text = textOf(entry);
  if (!from || !text) return undefined;
  const time = isoTime(entry.timestamp ?? entry.time);
  return { from, text: text.length > MAX_ENTRY_TEXT ? text.slice(0, MAX_ENTRY_TEXT) : text, ...(time ? { time } : {}) };
}

/**
 * Cognigy's Get Transcript result (`[{ role, type, source, payload: { text, textAlternative, data }, id, traceId,
 * timestamp }]`) as the connector's transcript: user, bot and agent turns with text, oldest first, the last
 * `limit` of them, and small enough for one request.
 */
export function mapTranscript(raw: unknown, limit: number = DEFAULT_TRANSCRIPT_LIMIT): ConnectorTranscriptEntry[] {
  if (!Array.isArray(raw)) return [];
  const max = Math.min(MAX_TRANSCRIPT_ENTRIES, Math.max(1, Math.floor(Number.isFinite(limit) ? limit : DEFAULT_TRANSCRIPT_LIMIT)));
  const entries = raw.map(mapEntry).filter((e): e is ConnectorTranscriptEntry => e !== undefined);
  let kept = entries.slice(-max);
  let size = JSON.stringify(kept).length;
  while (kept.length > 0 && size > MAX_TRANSCRIPT_JSON) {
    size -= JSON.stringify(kept[0]).length + 1;
    kept = kept.slice(1);
  }
  return kept;
}

/** A value at a dot path (`transcript`, `handover.transcript`) of the input or context object. */
export function valueAt(root: unknown, path: string): unknown {
  const trimmed = path.trim().replace(/^(input|context)\./, '');
  if (!trimmed) return undefined;
  let current: unknown = root;
  for (const key of trimmed.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
