// #24 item 6: where a relative `path:` (or none) in a data YAML points. YOLOv5 v7.0's check_dataset joins it to its
// repository folder (utils/general.py ROOT), the folder its users run from: coco128.yaml's `path: ../datasets/coco128`
// is the `datasets/` beside the yolov5 checkout. tsyolo reads that folder as the working directory, then falls back
// to the YAML's own folder; a split found under neither is an error naming each place tried.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadDatasetConfig } from '../../src/data/dataset-config.ts';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'tsyolo-data-root-')));
after(() => rmSync(base, { recursive: true, force: true }));

function dirs(...paths: string[]): void {
  for (const p of paths) mkdirSync(join(base, p), { recursive: true });
}

function inDir<T>(dir: string, f: () => T): T {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return f();
  } finally {
    process.chdir(before);
  }
}

test("v7.0's layout: `path: ../datasets/x` in project/data/x.yaml, run from project/, is project/../datasets/x", () => {
  dirs('v7/project/data', 'v7/datasets/coco/images/train2017', 'v7/datasets/coco/images/val2017');
  const yaml = join(base, 'v7/project/data/coco.yaml');
  writeFileSync(yaml, 'path: ../datasets/coco\ntrain: images/train2017\nval: images/val2017\nnames: [person]\n');
  const cfg = inDir(join(base, 'v7/project'), () => loadDatasetConfig('data/coco.yaml'));
  assert.equal(cfg.path, join(base, 'v7/datasets/coco'));
  assert.deepEqual(cfg.train, [join(base, 'v7/datasets/coco/images/train2017')]);
  assert.deepEqual(cfg.val, [join(base, 'v7/datasets/coco/images/val2017')]);
  // Run from elsewhere: neither the working directory nor the YAML's folder (project/data/../datasets) has it.
  const elsewhere = join(base, 'v7');
  assert.throws(
    () => inDir(elsewhere, () => loadDatasetConfig(yaml)),
    (e: Error) => {
      assert.ok(e.message.startsWith(`${yaml}: 'train' path images/train2017 does not exist (tried `), e.message);
      assert.ok(e.message.includes(`${join(base, 'datasets/coco/images/train2017')}, path '../datasets/coco' from the working directory`), e.message);
      assert.ok(e.message.includes(`${join(base, 'v7/project/datasets/coco/images/train2017')}, path '../datasets/coco' from the YAML's folder`), e.message);
      return true;
    },
  );
});

test('the YAML folder is the fallback: a data.yaml kept inside its dataset works from any working directory', () => {
  dirs('inside/ds/images/train', 'inside/ds/images/val', 'inside/elsewhere');
  const yaml = join(base, 'inside/ds/data.yaml');
  for (const text of ['path: .\n', '']) {
    writeFileSync(yaml, `${text}train: images/train\nval: images/val\nnames: [a]\n`);
    const cfg = inDir(join(base, 'inside/elsewhere'), () => loadDatasetConfig(yaml));
    assert.equal(cfg.path, join(base, 'inside/ds'), text);
    assert.deepEqual(cfg.val, [join(base, 'inside/ds/images/val')]);
  }
});

test('when both places hold the splits, the working directory wins (v7.0 never looks beside the YAML)', () => {
  dirs('both/run/images/train', 'both/run/images/val', 'both/cfg/images/train', 'both/cfg/images/val');
  const yaml = join(base, 'both/cfg/data.yaml');
  writeFileSync(yaml, 'train: images/train\nval: images/val\nnames: [a]\n');
  assert.equal(inDir(join(base, 'both/run'), () => loadDatasetConfig(yaml)).path, join(base, 'both/run'));
  // A root is taken whole: one with only some of the splits is passed over.
  rmSync(join(base, 'both/run/images/val'), { recursive: true });
  assert.equal(inDir(join(base, 'both/run'), () => loadDatasetConfig(yaml)).path, join(base, 'both/cfg'));
});

test("v7.0's '../' retry: a single split string not found is tried again without its leading ../", () => {
  dirs('retry/ds/images/train', 'retry/ds/images/val');
  const yaml = join(base, 'retry/data.yaml');
  writeFileSync(yaml, `path: ${join(base, 'retry/ds')}\ntrain: ../images/train\nval: images/val\nnames: [a]\n`);
  assert.deepEqual(loadDatasetConfig(yaml).train, [join(base, 'retry/ds/images/train')]);
  // Only for a single string (as check_dataset): in a list it is not retried.
  writeFileSync(yaml, `path: ${join(base, 'retry/ds')}\ntrain: [../images/train]\nval: images/val\nnames: [a]\n`);
  assert.throws(() => loadDatasetConfig(yaml), (e: Error) => e.message === `${yaml}: 'train' path ${join(base, 'retry/images/train')} does not exist`);
});

test('an absolute path is the only place tried; globs count as found when their folder exists', () => {
  dirs('abs/ds/images/train', 'abs/ds/images/val');
  const yaml = join(base, 'abs/data.yaml');
  writeFileSync(yaml, `path: ${join(base, 'abs/ds')}\ntrain: images/train/*.jpg\nval: images/gone\nnames: [a]\n`);
  assert.throws(() => loadDatasetConfig(yaml), (e: Error) => e.message === `${yaml}: 'val' path ${join(base, 'abs/ds/images/gone')} does not exist`);
  writeFileSync(yaml, `path: ${join(base, 'abs/ds')}\ntrain: images/train/*.jpg\nval: images/val\nnames: [a]\n`);
  assert.deepEqual(loadDatasetConfig(yaml).train, [join(base, 'abs/ds/images/train/*.jpg')]);
  writeFileSync(yaml, `path: ${join(base, 'abs/ds')}\ntrain: nowhere/*.jpg\nval: images/val\nnames: [a]\n`);
  assert.throws(() => loadDatasetConfig(yaml), /'train' path .*abs\/ds\/nowhere\/\*\.jpg does not exist/);
});
