import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadDatasetConfig } from '../../src/data/dataset-config.ts';
import { buildDatasetIndex } from '../../src/data/dataset-index.ts';
import { generateDigits } from '../../src/data/digits.ts';

const base = mkdtempSync(join(tmpdir(), 'tsyolo-digits-'));
const small = { train: 8, val: 3, img: 128 };

function readSplit(out: string, kind: 'images' | 'labels', split: string): Map<string, Buffer> {
  const dir = join(out, kind, split);
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));
}

function parseLabels(text: string): number[][] {
  return text.trim() === '' ? [] : text.trim().split('\n').map((l) => l.split(' ').map(Number));
}

test('same seed → identical labels and images; another seed → different labels', async () => {
  const a = await generateDigits({ out: join(base, 'a'), ...small, seed: 3 });
  const b = await generateDigits({ out: join(base, 'b'), ...small, seed: 3 });
  const c = await generateDigits({ out: join(base, 'c'), ...small, seed: 4 });
  assert.equal(a.skipped, false);
  assert.ok(a.boxes >= small.train + small.val);
  for (const split of ['train', 'val']) {
    assert.deepEqual(readSplit(a.out, 'labels', split), readSplit(b.out, 'labels', split));
    assert.deepEqual(readSplit(a.out, 'images', split), readSplit(b.out, 'images', split));
    assert.notDeepEqual(readSplit(a.out, 'labels', split), readSplit(c.out, 'labels', split));
  }
  assert.equal(readdirSync(join(a.out, 'images/train')).length, 8);
  assert.equal(readdirSync(join(a.out, 'labels/val')).length, 3);
  assert.deepEqual(readdirSync(join(a.out, 'images/val')).sort(), ['00000.jpg', '00001.jpg', '00002.jpg']);
});

test('labels: 1–6 digits per scene, classes 0–9, boxes inside the image, ink inside every box', async () => {
  const r = await generateDigits({ out: join(base, 'ink'), ...small, seed: 11 });
  const S = small.img;
  for (const split of ['train', 'val']) {
    for (const [name, bytes] of readSplit(r.out, 'labels', split)) {
      const rows = parseLabels(bytes.toString());
      assert.ok(rows.length >= 1 && rows.length <= 6, `${name}: ${rows.length} digits`);
      const { data, info } = await sharp(join(r.out, 'images', split, name.replace('.txt', '.jpg')))
        .raw()
        .toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height, info.channels], [S, S, 3]);
      const lum = (x: number, y: number): number => {
        const o = (y * S + x) * 3;
        return 0.299 * data[o]! + 0.587 * data[o + 1]! + 0.114 * data[o + 2]!;
      };
      for (const [cls, cx, cy, w, h] of rows) {
        assert.ok(Number.isInteger(cls) && cls! >= 0 && cls! <= 9, `class ${cls}`);
        const x0 = (cx! - w! / 2) * S, x1 = (cx! + w! / 2) * S, y0 = (cy! - h! / 2) * S, y1 = (cy! + h! / 2) * S;
        assert.ok(x0 >= -1e-3 && y0 >= -1e-3 && x1 <= S + 1e-3 && y1 <= S + 1e-3, `${name}: box outside`);
        assert.ok(w! * S >= 2 && h! * S >= 4, `${name}: degenerate box ${w! * S}×${h! * S}`);
        // Background level: median luminance of a ring of pixels 3 px outside the box.
        const ring: number[] = [];
        const [rx0, ry0, rx1, ry1] = [Math.round(x0) - 3, Math.round(y0) - 3, Math.round(x1) + 2, Math.round(y1) + 2];
        for (let x = rx0; x <= rx1; x++) for (const y of [ry0, ry1]) if (x >= 0 && x < S && y >= 0 && y < S) ring.push(lum(x, y));
        for (let y = ry0; y <= ry1; y++) for (const x of [rx0, rx1]) if (x >= 0 && x < S && y >= 0 && y < S) ring.push(lum(x, y));
        ring.sort((p, q) => p - q);
        const background = ring[ring.length >> 1]!;
        let strongest = 0;
        for (let y = Math.ceil(y0); y < Math.floor(y1); y++) {
          for (let x = Math.ceil(x0); x < Math.floor(x1); x++) strongest = Math.max(strongest, Math.abs(lum(x, y) - background));
        }
        assert.ok(strongest > 50, `${name}: no ink in box ${[cls, cx, cy, w, h]} (max contrast ${strongest.toFixed(1)})`);
      }
    }
  }
});

test('data.yaml loads with loadDatasetConfig and every pair verifies', async () => {
  const r = await generateDigits({ out: join(base, 'yaml'), ...small, seed: 5 });
  const cfg = loadDatasetConfig(r.yamlPath);
  assert.equal(cfg.nc, 10);
  assert.deepEqual(cfg.names, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual(cfg.train, [join(r.out, 'images/train')]);
  assert.deepEqual(cfg.val, [join(r.out, 'images/val')]);
  const idx = await buildDatasetIndex(cfg.train, { nc: cfg.nc, log: () => {}, requireLabels: true });
  assert.deepEqual(idx.counts, { found: 8, missing: 0, empty: 0, corrupt: 0, duplicates: 0 });
  assert.ok(idx.shapes.every(([w, h]) => w === 128 && h === 128));
});

test('idempotent: same parameters skip; new parameters regenerate without stale files', async () => {
  const out = join(base, 'idem');
  const lines: string[] = [];
  await generateDigits({ out, ...small, seed: 1 });
  const label = join(out, 'labels/train/00000.txt');
  const before = statSync(label).mtimeMs;
  const again = await generateDigits({ out, ...small, seed: 1, log: (l) => lines.push(l) });
  assert.equal(again.skipped, true);
  assert.equal(statSync(label).mtimeMs, before);
  assert.match(lines.join('\n'), /already holds this dataset.*not regenerating/);
  assert.deepEqual(JSON.parse(readFileSync(join(out, '.digits.json'), 'utf8')), { version: 1, train: 8, val: 3, img: 128, seed: 1 });

  const fewer = await generateDigits({ out, train: 4, val: 2, img: 128, seed: 1 });
  assert.equal(fewer.skipped, false);
  assert.equal(readdirSync(join(out, 'images/train')).length, 4);
  assert.equal(readdirSync(join(out, 'labels/val')).length, 2);
  assert.ok(!existsSync(join(out, 'images/train/00007.jpg')));
});

test('refuses a folder holding someone else’s images, and bad parameters', async () => {
  const out = join(base, 'foreign');
  await generateDigits({ out, ...small, seed: 2 });
  // without the stamp the folder is no longer recognised as ours
  const { rmSync } = await import('node:fs');
  rmSync(join(out, '.digits.json'));
  await assert.rejects(generateDigits({ out, ...small, seed: 2 }), /did not write; choose an empty folder/);
  await assert.rejects(generateDigits({ out: join(base, 'bad'), train: -1 }), /train must be a non-negative integer/);
  await assert.rejects(generateDigits({ out: join(base, 'bad'), img: 16 }), /img must be at least 32/);
});
