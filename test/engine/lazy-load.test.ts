// The addon loads on first use: importing the library, `tsyolo --help` and `--version` never load libtorch, and a
// missing or broken addon is one line saying how to build it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { NativeEngineError, openAddon } from '../../src/native/binding.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const reporter = fileURLToPath(new URL('./helpers/report-libtorch.mjs', import.meta.url));

function libtorchLoadedBy(args: string[]): { loaded: boolean; stdout: string; status: number | null } {
  const r = spawnSync(process.execPath, ['--import', reporter, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.match(r.stderr, /LIBTORCH-(NOT-)?LOADED/, r.stderr);
  return { loaded: r.stderr.includes('LIBTORCH-LOADED'), stdout: r.stdout, status: r.status };
}

test('tsyolo --help and --version do not load libtorch', () => {
  const help = libtorchLoadedBy(['bin/tsyolo.js', '--help']);
  assert.match(help.stdout, /Usage: tsyolo/);
  assert.equal(help.loaded, false);
  const version = libtorchLoadedBy(['bin/tsyolo.js', '--version']);
  assert.equal(version.loaded, false);
});

test('importing the whole library does not load libtorch; the first op does', () => {
  const script = `
    const lib = await import('./src/index.ts');
    const { isNativeLoaded } = await import('./src/native/binding.ts');
    const before = isNativeLoaded();
    const { zeros } = await import('./src/tensor/index.ts');
    const sum = zeros([2, 3]).add(1).sum().item();
    console.log(JSON.stringify({ exports: Object.keys(lib).length, before, after: isNativeLoaded(), sum }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { exports: number; before: boolean; after: boolean; sum: number };
  assert.ok(r.exports > 10, 'src/index.ts exports the library');
  assert.equal(r.before, false);
  assert.equal(r.after, true);
  assert.equal(r.sum, 6);
});

test('a missing addon is one line naming the file and how to build it', () => {
  const missing = join(tmpdir(), 'no-such-dir', 'tsyolo_native.node');
  assert.throws(
    () => openAddon(missing),
    (e: Error) =>
      e instanceof NativeEngineError &&
      !e.message.includes('\n') &&
      e.message.includes(missing) &&
      e.message.includes('is missing') &&
      e.message.includes('npm run setup') &&
      e.message.includes('libtorch-dev'),
  );
});

test('a file that is not an addon is one line saying it cannot be loaded', () => {
  const bogus = join(mkdtempSync(join(tmpdir(), 'tsyolo-addon-')), 'tsyolo_native.node');
  writeFileSync(bogus, 'not a shared object');
  assert.throws(
    () => openAddon(bogus),
    (e: Error) => e instanceof NativeEngineError && !e.message.includes('\n') && e.message.includes(`${bogus}) cannot be loaded (`) && e.message.includes('npm run setup'),
  );
});
