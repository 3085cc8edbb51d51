import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDatasetConfig } from '../../src/data/dataset-config.ts';

/** A dataset folder with images/{train,val} and a lists/ folder. */
function makeTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'tsyolo-cfg-'));
  for (const d of ['data/images/train', 'data/images/val', 'data/lists']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'data/lists/train.txt'), './../images/train/a.jpg\n');
  return root;
}

test('list names, relative path resolved against the YAML folder, dir sources', () => {
  const root = makeTree();
  const yaml = join(root, 'data.yaml');
  writeFileSync(yaml, 'path: data\ntrain: images/train\nval: images/val\nnames: [cat, dog, bird]\n');
  const cfg = loadDatasetConfig(yaml);
  assert.equal(cfg.path, join(root, 'data'));
  assert.deepEqual(cfg.train, [join(root, 'data/images/train')]);
  assert.deepEqual(cfg.val, [join(root, 'data/images/val')]);
  assert.equal(cfg.test, undefined);
  assert.deepEqual(cfg.names, ['cat', 'dog', 'bird']);
  assert.equal(cfg.nc, 3);
  assert.equal(cfg.yamlPath, yaml);
});

test('map names {0: a, 1: b} in any key order; nc that agrees is accepted', () => {
  const root = makeTree();
  const yaml = join(root, 'data.yaml');
  writeFileSync(yaml, "path: data\ntrain: images/train\nval: images/val\nnc: 3\nnames:\n  2: 'c'\n  0: a\n  1: 7\n");
  const cfg = loadDatasetConfig(yaml);
  assert.deepEqual(cfg.names, ['a', '7', 'c']);
  assert.equal(cfg.nc, 3);
});

test('no path → the YAML folder is the root; txt lists, globs and lists of sources; test split', () => {
  const root = makeTree();
  const yaml = join(root, 'data', 'd.yaml');
  writeFileSync(
    yaml,
    'train: [lists/train.txt, images/val]\nval: images/val/*.jpg\ntest: lists/train.txt\nnames: {0: x}\n',
  );
  const cfg = loadDatasetConfig(yaml);
  assert.equal(cfg.path, join(root, 'data'));
  assert.deepEqual(cfg.train, [join(root, 'data/lists/train.txt'), join(root, 'data/images/val')]);
  assert.deepEqual(cfg.val, [join(root, 'data/images/val/*.jpg')]);
  assert.deepEqual(cfg.test, [join(root, 'data/lists/train.txt')]);
  assert.equal(cfg.nc, 1);
});

test('absolute path is kept', () => {
  const root = makeTree();
  const yaml = join(root, 'elsewhere.yaml');
  writeFileSync(yaml, `path: ${join(root, 'data')}\ntrain: images/train\nval: images/val\nnames: [a]\n`);
  assert.equal(loadDatasetConfig(yaml).path, join(root, 'data'));
});

test('missing train or val path → Error naming the YAML and the path', () => {
  const root = makeTree();
  const yaml = join(root, 'data.yaml');
  writeFileSync(yaml, 'path: data\ntrain: images/nope\nval: images/val\nnames: [a]\n');
  assert.throws(() => loadDatasetConfig(yaml), (e: Error) => {
    assert.ok(e.message.includes(yaml), e.message);
    assert.ok(e.message.includes(join(root, 'data/images/nope')), e.message);
    assert.match(e.message, /does not exist/);
    return true;
  });
  writeFileSync(yaml, 'path: data\ntrain: images/train\nval: [images/val, images/gone]\nnames: [a]\n');
  assert.throws(() => loadDatasetConfig(yaml), /'val' path .*images\/gone does not exist/);
});

test('missing fields, nc disagreement, bad names, bad YAML → Errors naming the file', () => {
  const root = makeTree();
  const yaml = join(root, 'data.yaml');
  const cases: Array<[string, RegExp]> = [
    ['path: data\nval: images/val\nnames: [a]\n', /'train' is missing/],
    ['path: data\ntrain: images/train\nnames: [a]\n', /'val' is missing/],
    ['path: data\ntrain: images/train\nval: images/val\n', /'names' is missing/],
    ['path: data\ntrain: images/train\nval: images/val\nnc: 2\nnames: [a, b, c]\n', /'nc' is 2, which disagrees with the 3 names/],
    ['path: data\ntrain: images/train\nval: images/val\nnames: {a: 1}\n', /'names' keys must be integers/],
    ['path: data\ntrain: images/train\nval: images/val\nnames: {0: a, 2: c}\n', /without gaps \(missing 1\)/],
    ['path: data\ntrain: [images/train\nval: x\n', /malformed YAML/],
    ['- just\n- a list\n', /must be a mapping/],
  ];
  for (const [text, pattern] of cases) {
    writeFileSync(yaml, text);
    assert.throws(() => loadDatasetConfig(yaml), (e: Error) => {
      assert.match(e.message, pattern);
      assert.ok(e.message.includes(yaml), e.message);
      return true;
    });
  }
  assert.throws(() => loadDatasetConfig(join(root, 'absent.yaml')), /absent\.yaml: cannot be read: ENOENT/);
});
