import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../test/support/connector-process';
import { cpuSplit } from '../../test/support/proc-stats';
import { sleep } from './stats';

export { freePort };

/** The compiled tree this file runs from (`npm run bench` compiles bench/, src/ and test/support/ first). */
const BUILD_ROOT = path.resolve(__dirname, '../..');

/** The repository: where BENCHMARKS.md is written. */
export const ROOT = (() => {
  for (let dir = BUILD_ROOT; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package-lock.json'))) return dir;
  }
  throw new Error(`No repository above ${BUILD_ROOT}`);
})();

/** A child process the bench owns: output kept for error messages, stopped by its own pid only. */
export class Child {
  output = '';
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(command: string, args: string[], env: Record<string, string>) {
    this.proc = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-20000);
    };
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
  }

  /**
   * A compiled entry point (e.g. `src/main` → <build>/src/main.js, what `npm run start:prod` runs), with extra node
   * flags. Not under ts-node: it loads node's repl and with it the domain module, whose async hook slows every
   * promise of the process.
   */
  static node(entry: string, env: Record<string, string>, nodeFlags: string[] = []): Child {
    return new Child(process.execPath, [...nodeFlags, path.join(BUILD_ROOT, `${entry}.js`)], env);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Resident set size in MB (from /proc). */
  rssMb(): number {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : NaN;
    } catch {
      return NaN;
    }
  }

  /** User+system CPU seconds consumed so far (from /proc). */
  cpuSeconds(): number {
    const { user, system } = this.cpuSplit();
    return user + system;
  }

  /** User and system CPU seconds consumed so far (from /proc). */
  cpuSplit(): { user: number; system: number } {
    return cpuSplit(this.pid);
  }

  async waitHttp(url: string, timeoutMs = 60000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`process exited during startup:\n${this.output}`);
      try {
        if ((await fetch(url)).status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`not ready after ${timeoutMs} ms:\n${this.output}`);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A throwaway redis-server (no persistence) on a free port, so the bench neither disturbs nor is disturbed by 6379. */
export async function startRedis(): Promise<{ url: string; child: Child; port: number }> {
  const port = await freePort();
  const child = new Child('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
  const deadline = Date.now() + 10000;
  while (!child.output.includes('Ready to accept connections')) {
    if (Date.now() > deadline || child.proc.exitCode !== null) throw new Error(`redis-server did not start:\n${child.output}`);
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, child, port };
}
