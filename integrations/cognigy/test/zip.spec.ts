import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import source from '../src/module';

const root = path.resolve(__dirname, '..');
const RUNTIME_MODULES = new Set(['@cognigy/extension-tools', 'http', 'https']);

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('npm run zip (the tarball Cognigy uploads)', () => {
  let outDir: string;
  let tarball: string;
  let entries: string[];

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognigy-zip-'));
    execFileSync('npm', ['run', 'zip', '--silent', '--', '--out-dir', outDir], { cwd: root, stdio: 'pipe' });
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    tarball = path.join(outDir, `${pkg.name}-${pkg.version}.tar.gz`);
    entries = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line && !line.endsWith('/'));
  });
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('holds build/, package.json, package-lock.json, README.md and icon.png, and nothing else', () => {
    const top = entries.filter((e) => !e.startsWith('build/')).sort();
    expect(top).toEqual(['README.md', 'icon.png', 'package-lock.json', 'package.json']);
    const built = entries.filter((e) => e.startsWith('build/'));
    expect(built).toContain('build/module.js');
    for (const node of [
      'handoverToAgent',
      'handoverRouter',
      'sendToAgent',
      'releaseHandover',
      'checkAgentAvailability',
      'getHandoverStatus',
    ]) {
      expect(built).toContain(`build/nodes/${node}.js`);
    }
    expect(built.filter((e) => !e.endsWith('.js'))).toEqual([]);
    expect(entries.filter((e) => /\.ts$|\.map$|spec|test|node_modules/.test(e))).toEqual([]);
    // Exactly what src/ compiles to: no stale files.
    const sources = filesUnder(path.join(root, 'src')).map(
      (f) => `build/${path.relative(path.join(root, 'src'), f).replace(/\.ts$/, '.js')}`,
    );
    expect(built.sort()).toEqual(sources.sort());
  });

  it('packs the same package.json and lock file, and a build that needs nothing but extension-tools at run time', () => {
    const extracted = fs.mkdtempSync(path.join(outDir, 'x-'));
    execFileSync('tar', ['xzf', tarball, '-C', extracted]);
    expect(fs.readFileSync(path.join(extracted, 'package.json'), 'utf8')).toBe(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(fs.readFileSync(path.join(extracted, 'package-lock.json'), 'utf8')).toBe(
      fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'),
    );
    const required = filesUnder(path.join(extracted, 'build'))
      .flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))
      .filter((m) => !m.startsWith('.'));
    expect([...new Set(required)].filter((m) => !RUNTIME_MODULES.has(m))).toEqual([]);
  });

  it('builds a module whose default export is the extension Cognigy loads', () => {
    const built = jest.requireActual<{ default: typeof source }>(path.join(root, 'build', 'module.js')).default;
    expect(built.nodes.map((n) => n.type)).toEqual(source.nodes.map((n) => n.type));
    expect(built.connections).toEqual(source.connections);
    expect(built.options).toEqual({ label: 'Handover Connector' });
    expect(built.nodes.filter((n) => typeof n.function === 'function')).toHaveLength(6);
  });
});
