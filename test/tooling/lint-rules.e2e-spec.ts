import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');
const ESLINT = join(ROOT, 'node_modules/eslint/bin/eslint.js');

/** Runs the project's ESLint configuration over a small tree of its own, as `npm run lint` would. */
async function lint(files: Record<string, string>): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lint-probe-'));
  try {
    cpSync(join(ROOT, 'eslint.config.mjs'), join(dir, 'eslint.config.mjs'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'tsconfig.test.json'), JSON.stringify({ compilerOptions: { strict: true }, include: ['**/*.ts'] }));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [ESLINT, '.'], { cwd: dir });
      return { code: 0, out: stdout.trim() };
    } catch (err) {
      const { code, stdout } = err as { code: number; stdout: string };
      return { code, out: stdout };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('npm run lint: the architecture rules', () => {
  it('passes a tree that keeps the layers and has no cycle', async () => {
    const { code, out } = await lint({
      'src/config/settings.ts': 'export const port = 3000;\n',
      'src/handover/uses-config.ts': "import { port } from '../config/settings';\n\nexport const url = `http://127.0.0.1:${port}`;\n",
    });
    expect(out).toBe('');
    expect(code).toBe(0);
  });

  it('fails on an import cycle', async () => {
    const { code, out } = await lint({
      'src/relay/a.ts': "import { b } from './b';\n\nexport const a = (): number => b() + 1;\n",
      'src/relay/b.ts': "import { a } from './a';\n\nexport const b = (): number => a() - 1;\n",
    });
    expect(code).toBe(1);
    expect(out).toMatch(/src\/relay\/a\.ts\n.*Dependency cycle detected.*import-x\/no-cycle/);
  });

  it('fails when a lower layer imports a higher one, or the product imports the tools', async () => {
    const { code, out } = await lint({
      'src/handover/lifecycle.ts': 'export const ended = true;\n',
      'src/relay/uses-handover.ts': "import { ended } from '../handover/lifecycle';\n\nexport const done = ended;\n",
      'tools/demo/helper.ts': 'export const demo = 1;\n',
      'src/bot/uses-tools.ts': "import { demo } from '../../tools/demo/helper';\n\nexport const value = demo;\n",
    });
    expect(code).toBe(1);
    expect(out).toMatch(/src\/relay\/uses-handover\.ts\n.*src\/relay is below src\/handover +import-x\/no-restricted-paths/);
    expect(out).toMatch(/src\/bot\/uses-tools\.ts\n.*src\/ is the product.* +import-x\/no-restricted-paths/);
  });

  it('fails when one provider imports another instead of the provider boundary', async () => {
    const { code, out } = await lint({
      'src/contact-center/provider-events.ts': 'export type Kind = string;\n',
      'src/contact-center/alpha/alpha.ts': "import type { Kind } from '../provider-events';\n\nexport const alpha: Kind = 'a';\n",
      'src/contact-center/beta/beta.ts': "import { alpha } from '../alpha/alpha';\n\nexport const beta = alpha;\n",
    });
    expect(code).toBe(1);
    expect(out).toMatch(/src\/contact-center\/beta\/beta\.ts\n.*never another provider +import-x\/no-restricted-paths/);
    expect(out).not.toMatch(/alpha\.ts\n/);
  });
});
