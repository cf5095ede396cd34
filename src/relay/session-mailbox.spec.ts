import Redis from 'ioredis';
import { defineScript, runScript } from '../infrastructure/redis/redis-script';
import { LUA_ANNOTATED_ENTRY } from './mailbox.scripts';
import { MailboxEntry, parseEntry } from './session-mailbox';

const entry: MailboxEntry<{ text: string }> = { id: 'evt_1', at: 1700000000000, body: { text: 'hello "there" [1]' } };

describe('parseEntry', () => {
  it('reads a plain entry as it was stored', () => {
    expect(parseEntry(JSON.stringify(entry))).toEqual(entry);
  });

  it('merges the annotations of an annotated entry into entry.annotations', () => {
    expect(parseEntry(`[${JSON.stringify(entry)},{"agentName":"Kim"}]`)).toEqual({ ...entry, annotations: { agentName: 'Kim' } });
    expect(parseEntry(`[${JSON.stringify(entry)},{}]`)).toEqual({ ...entry, annotations: {} });
  });

  it('keeps annotations an entry already had (a replayed dead letter), the newer ones winning', () => {
    const replayed = { ...entry, annotations: { agentName: 'Sam', other: 'x' } };
    expect(parseEntry(`[${JSON.stringify(replayed)},{"agentName":"Kim"}]`).annotations).toEqual({ agentName: 'Kim', other: 'x' });
    expect(parseEntry(JSON.stringify(replayed))).toEqual(replayed);
  });

  it('reads what LUA_ANNOTATED_ENTRY builds in Redis (cjson), names with quotes and non-ASCII included', async () => {
    const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const annotate = defineScript({
      name: 'test-annotate',
      keys: [],
      args: ['entry', 'name'],
      lua: `${LUA_ANNOTATED_ENTRY}
local annotations = {}
if A.name ~= '' then annotations.agentName = A.name end
return annotated_entry(A.entry, annotations)`,
    });
    try {
      for (const name of ['Kim', 'Zoë "the" Agent / 李', '']) {
        const raw = (await runScript(client, annotate, { keys: {}, args: { entry: JSON.stringify(entry), name } })) as string;
        expect(parseEntry(raw)).toEqual({ ...entry, annotations: name ? { agentName: name } : {} });
      }
    } finally {
      client.disconnect();
    }
  });
});
