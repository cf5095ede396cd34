#!/usr/bin/env node
// Builds the extension and packs the tarball Cognigy.AI's "Upload Extension" takes (Manage > Extensions):
//   build/* package.json package-lock.json README.md icon.png  →  <name>-<version>.tar.gz
// (the file list of Cognigy/Extensions' `zip` scripts). Cognigy installs the dependencies from package.json and
// package-lock.json itself, so there is no node_modules in it, and no TypeScript sources or tests.
//
//   node scripts/zip.mjs                 build, check and pack into this folder
//   node scripts/zip.mjs --out-dir DIR   the same, the tarball into DIR
//   node scripts/zip.mjs --build-only    only compile src/ into build/
import { execFileSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const buildOnly = args.includes('--build-only');
const outDirIndex = args.indexOf('--out-dir');
const outDir = outDirIndex >= 0 ? path.resolve(args[outDirIndex + 1] || '.') : root;

function fail(message) {
  console.error(`zip: ${message}`);
  process.exit(1);
}

/** Width and height from a PNG's IHDR chunk, or undefined when the file is not a PNG. */
function pngSize(file) {
  const data = fs.readFileSync(file);
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  if (data.length < 24 || !data.subarray(0, 8).equals(signature) || data.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

// 1. A clean build: tsc from this package or, inside the repository, from the root's node_modules.
fs.rmSync(path.join(root, 'build'), { recursive: true, force: true });
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
} catch {
  fail('TypeScript is not installed: run npm ci (here, or at the repository root)');
}
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
if (!fs.existsSync(path.join(root, pkg.main))) fail(`${pkg.main} (package.json "main") was not built`);
if (buildOnly) process.exit(0);

// 2. What Cognigy needs next to the build, and checks it would otherwise only show at upload time.
for (const file of ['package.json', 'package-lock.json', 'README.md', 'icon.png']) {
  if (!fs.existsSync(path.join(root, file))) fail(`${file} is missing`);
}
const size = pngSize(path.join(root, 'icon.png'));
if (!size || size.width !== 64 || size.height !== 64) fail('icon.png must be a 64x64 PNG');
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
if (lock.name !== pkg.name || lock.version !== pkg.version)
  fail('package-lock.json is not the lock of this package.json: run npm install --package-lock-only here');

// 3. The tarball, with the entries of build/ listed as `build/*` does.
const buildEntries = fs
  .readdirSync(path.join(root, 'build'))
  .sort()
  .map((entry) => `build/${entry}`);
fs.mkdirSync(outDir, { recursive: true });
const tarball = path.join(outDir, `${pkg.name}-${pkg.version}.tar.gz`);
execFileSync('tar', ['czf', tarball, ...buildEntries, 'package.json', 'package-lock.json', 'README.md', 'icon.png'], {
  cwd: root,
  stdio: 'inherit',
});
console.log(`zip: ${tarball}`);
