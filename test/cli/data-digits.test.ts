// `tsyolo data digits` writes a usable YOLO-format set, and reuses it when run again with the same settings.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadDatasetConfig } from '../../src/data/dataset-config.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));

test('data digits: images, labels and data.yaml; a second run reuses them', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'tsyolo-digits-')), 'digits');
  const args = [bin, 'data', 'digits', '--out', out, '--train', '12', '--val', '4', '--seed', '5'];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const cfg = loadDatasetConfig(join(out, 'data.yaml'));
  assert.equal(cfg.nc, 10);
  assert.equal(readdirSync(join(out, 'images', 'train')).length, 12);
  assert.equal(readdirSync(join(out, 'labels', 'val')).length, 4);
  const before = statSync(join(out, 'images', 'train', readdirSync(join(out, 'images', 'train'))[0]!)).mtimeMs;
  const again = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  const after = statSync(join(out, 'images', 'train', readdirSync(join(out, 'images', 'train'))[0]!)).mtimeMs;
  assert.equal(after, before);
});

test('data digits: a bad number is refused with a non-zero exit', () => {
  const r = spawnSync(process.execPath, [bin, 'data', 'digits', '--out', tmpdir(), '--train', 'many'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--train must be an integer, got 'many'/);
});
