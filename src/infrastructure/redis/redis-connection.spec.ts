import type { Socket } from 'node:net';
import Redis from 'ioredis';
import { coalesceWrites } from './redis-connection';

/** Against the real Redis (REDIS_URL, default 127.0.0.1:6379); no keys are written. */
describe('coalesceWrites', () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

  async function writesFor(client: Redis, commands: number): Promise<number> {
    await client.ping();
    type Write = (...args: unknown[]) => void;
    const socket = (client as unknown as { stream: Socket & { _write: Write; _writev: Write } }).stream;
    let writes = 0;
    for (const method of ['_write', '_writev'] as const) {
      const original = socket[method].bind(socket);
      socket[method] = (...args: unknown[]) => {
        writes++;
        return original(...args);
      };
    }
    const replies = await Promise.all(Array.from({ length: commands }, (_, i) => client.echo(`m${i}`)));
    expect(replies).toEqual(Array.from({ length: commands }, (_, i) => `m${i}`));
    return writes;
  }

  it('sends the commands of one turn of the event loop in one write, in order, also after a reconnect', async () => {
    const client = coalesceWrites(new Redis(url));
    try {
      expect(await writesFor(client, 20)).toBe(1);
      client.disconnect(true);
      await new Promise((resolve) => client.once('ready', resolve));
      expect(await writesFor(client, 20)).toBe(1);
    } finally {
      client.disconnect();
    }
  });

  it('is what makes the difference: a plain client writes once per command', async () => {
    const client = new Redis(url);
    try {
      expect(await writesFor(client, 20)).toBe(20);
    } finally {
      client.disconnect();
    }
  });
});
