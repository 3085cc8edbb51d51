// `tsyolo modules` lists every registered block from the registry, and docs/MODULES.md is exactly its Markdown.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatModulesMarkdown } from '../../src/cli/modules.ts';
import { registeredModuleNames, registeredModuleSpecs } from '../../src/yolo/registry.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));

test('every built-in block documents its YAML args and purpose', () => {
  const missing = registeredModuleSpecs()
    .filter((s) => !s.doc?.args || !s.doc.purpose)
    .map((s) => s.name);
  assert.deepEqual(missing, [], 'add doc: { args, purpose } to these specs');
});

test('docs/MODULES.md equals `tsyolo modules --markdown` (regenerate it after adding a block)', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/MODULES.md', import.meta.url)), 'utf8');
  assert.equal(doc, `${formatModulesMarkdown()}\n`);
});

test('tsyolo modules: one row per registered block with its args, channel rule and origin; --json the same rows', () => {
  const r = spawnSync(process.execPath, [bin, 'modules'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^module\s+args\s+channels\s+origin$/);
  assert.equal(lines.length - 1, registeredModuleNames().length);
  assert.match(r.stdout, /\nShuffle_Block\s+\[oup, stride\]\s+width\s+YOLOv5-Lite\n/);
  assert.match(r.stdout, /\nConv_maxpool\s+\[c2\]\s+width\s+seed\n/);
  assert.match(r.stdout, /\nC3\s+\[c2, shortcut=True, g=1, e=0\.5\]\s+width-repeats-inside\s+YOLOv5 v7\.0\n/);
  assert.match(r.stdout, /\nADD\s+\[alpha=0\.5\]\s+custom\s+YOLOv5-Lite\n/);

  const j = spawnSync(process.execPath, [bin, 'modules', '--json'], { encoding: 'utf8' });
  assert.equal(j.status, 0, j.stderr);
  const rows = JSON.parse(j.stdout) as Array<{ name: string; pythonType: string; origin: string }>;
  assert.deepEqual(rows.map((x) => x.name).sort(), registeredModuleNames());
  assert.equal(rows.find((x) => x.name === 'RepVGGBlock')?.pythonType, 'models.common.RepVGGBlock');
});
