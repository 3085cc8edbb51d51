// Issue #23: the API reference (`npm run docs`: TypeDoc over the package entries) builds with no warnings — every
// exported symbol of `tsyolo`, `tsyolo/onnx` and `tsyolo/web` has a doc comment, every type the API mentions is
// exported, every {@link} resolves. A probe with an undocumented export shows the check is really on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
const config = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as { entryPoints: string[]; validation: Record<string, boolean>; treatWarningsAsErrors: boolean; out: string };
const probeDir = mkdtempSync(join(tmpdir(), 'tsyolo-typedoc-'));
after(() => rmSync(probeDir, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync(process.execPath, [typedoc, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
const warnings = (out: string) => out.split('\n').filter((l) => /\[(warning|error)\]/.test(l));

test('typedoc.json documents exactly the package entries, with the missing-doc check on and warnings fatal', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { import?: { default: string } }>; scripts: Record<string, string> };
  const entries = Object.values(pkg.exports)
    .flatMap((e) => (typeof e === 'object' && e.import ? [e.import.default] : []))
    .map((f) => f.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
  assert.deepEqual([...config.entryPoints].sort(), entries.sort());
  assert.deepEqual(config.validation, { notExported: true, invalidLink: true, notDocumented: true });
  assert.equal(config.treatWarningsAsErrors, true);
  assert.equal(config.out, 'docs/api');
  assert.equal(pkg.scripts.docs, 'typedoc');
  assert.match(readFileSync(join(root, '.gitignore'), 'utf8'), /^docs\/api\/$/m, 'the generated reference is not committed');
});

test('npm run docs: TypeDoc over tsyolo, tsyolo/onnx and tsyolo/web gives no warning', () => {
  const r = run(['--emit', 'none']);
  const out = r.stdout + r.stderr;
  assert.deepEqual(warnings(out), [], out);
  assert.equal(r.status, 0, out);
});

test('the check is on: an undocumented export is reported', () => {
  writeFileSync(join(probeDir, 'probe.ts'), '/** Documented. */\nexport const documented = 1;\nexport function undocumented(): number {\n  return 2;\n}\n');
  writeFileSync(join(probeDir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', skipLibCheck: true, types: [] }, files: ['probe.ts'] }));
  // The project's own settings, pointed at the probe.
  writeFileSync(join(probeDir, 'typedoc.json'), JSON.stringify({ ...config, entryPoints: ['probe.ts'], tsconfig: 'tsconfig.json', name: 'probe' }));
  const r = run(['--options', join(probeDir, 'typedoc.json'), '--emit', 'none']);
  const out = r.stdout + r.stderr;
  assert.notEqual(r.status, 0, out);
  assert.ok(warnings(out).some((l) => /undocumented .*does not have any documentation/.test(l)), out);
  assert.ok(!warnings(out).some((l) => /\bdocumented \(/.test(l) && !/undocumented/.test(l)), out);
});
