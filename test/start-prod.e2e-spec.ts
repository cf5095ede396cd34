import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deleteKeysWithPrefix, TEST_REDIS_URL } from './support/redis-cleanup';
import { uniquePrefix } from './support/test-app';

/** The production build (tsconfig.build.json, as `npm run build`) started like `npm run start:prod`. */
const ROOT = resolve(__dirname, '..');
const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  ADMIN_TOKEN: 'start-prod-admin-token-0123456789',
  SECRETS_KEY: randomBytes(32).toString('base64'),
};

interface Started {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('production build and process lifecycle', () => {
  let outDir: string;
  const children: ChildProcess[] = [];
  const prefixes: string[] = [];

  function start(env: Record<string, string>): Started {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const child = spawn(process.execPath, [join(outDir, 'main.js')], {
      cwd: ROOT,
      // The build lives outside the repository: NODE_PATH lets it find the repository's node_modules.
      env: { PATH: process.env.PATH ?? '', NODE_PATH: join(ROOT, 'node_modules'), REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
    return { child, exited, stderr: () => stderr };
  }

  async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'hc-start-prod-'));
    const tsc = spawnSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir, '--incremental', 'false'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (tsc.status !== 0) throw new Error(`The production build failed:\n${tsc.stdout}${tsc.stderr}`);
  }, 180_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(prefixes.map((prefix) => deleteKeysWithPrefix(prefix)));
    rmSync(outDir, { recursive: true, force: true });
  });

  it('becomes ready, serves the admin API and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const app = start({ ...PRODUCTION_ENV, PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;

    await within(
      30_000,
      (async () => {
        for (;;) {
          const status = await fetch(`${base}/health/ready`).then(
            (res) => res.status,
            () => 0,
          );
          if (status === 200) return;
          if (app.child.exitCode !== null) throw new Error(`exited early: ${app.stderr()}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      })(),
      'ready',
    );
    const admin = await fetch(`${base}/admin/v1/endpoints`, { headers: { Authorization: `Bearer ${PRODUCTION_ENV.ADMIN_TOKEN}` } });
    expect(admin.status).toBe(200);
    expect(await admin.json()).toEqual([]);
    expect((await fetch(`${base}/admin/v1/endpoints`)).status).toBe(401);

    app.child.kill('SIGTERM');
    expect(await within(10_000, app.exited, 'exit after SIGTERM')).toEqual({ code: 0, signal: null });
    expect(app.stderr()).toBe('');
  });

  it.each([
    ['an invalid PORT', { ...PRODUCTION_ENV, PORT: 'abc' }, /^Invalid configuration: PORT /],
    ['production without ADMIN_TOKEN', { NODE_ENV: 'production', SECRETS_KEY: PRODUCTION_ENV.SECRETS_KEY }, /ADMIN_TOKEN/],
    [
      'an invalid endpoints file',
      { ...PRODUCTION_ENV, PORT: '0', ENDPOINTS_FILE: 'test/fixtures/endpoints-invalid.yaml' },
      /^Startup failed: test\/fixtures\/endpoints-invalid\.yaml: endpoints\[1\]\.provider\.webhookSecret must be longer than 15 characters$/,
    ],
  ])('exits 1 with one line on stderr for %s', async (_case, env, line) => {
    const app = start(env);
    expect(await within(20_000, app.exited, 'exit')).toEqual({ code: 1, signal: null });
    const lines = app.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
  });
});
