// `convert voc` against convert_label of YOLOv5 v7.0's data/VOC.yaml download script run on the same XMLs
// (test/fixtures/analysis/convert/make_convert_fixtures.py): the same files with the same lines (Python's str() of
// each value), with VOC.yaml's 20 classes and with another class list.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readClassNames } from '../../src/convert/names.ts';
import { VOC_NAMES, convertVoc } from '../../src/convert/voc.ts';
import { EXPECTED, FIX, assertSameTree, listFiles, problems, scratch } from './convert-fixture.ts';

const tmp = scratch('voc');

test("convert voc: the label files VOC.yaml's convert_label writes, difficult objects and other classes left out", () => {
  const out = join(tmp, 'voc');
  const p = problems();
  const r = convertVoc(join(FIX, 'voc'), { out, onProblem: p.on });
  assertSameTree(out, join(EXPECTED, 'voc', 'labels'));
  assert.equal(r.skipped.difficult, 2);
  assert.deepEqual(p.text(), ["000002.xml: object 3 'cup': class not in the class list: skipped", "2008_000004.xml: object 3 'cup': class not in the class list: skipped"]);
  // Python's str(): '0.7000000000000001', '0.609' — shortest round trip, as repr prints it
  assert.match(readFileSync(join(out, '2008_000004.txt'), 'utf8'), /^14 0\.496996996996997 0\.446 0\.8018018018018018 0\.7000000000000001$/m);
});

test('convert voc --names: ids from the given list (the same XMLs through the script with that list)', () => {
  const out = join(tmp, 'voc-names');
  const list = join(tmp, 'names.txt');
  writeFileSync(list, 'dog\nperson\n\ncup\n');
  const names = readClassNames(list);
  assert.deepEqual(names, ['dog', 'person', 'cup']);
  const p = problems();
  convertVoc(join(FIX, 'voc', 'Annotations'), { out, names, onProblem: p.on });
  assertSameTree(out, join(EXPECTED, 'voc-names', 'labels'));
  assert.equal(p.list.length, 4, p.text().join('\n'));
});

test("without --out the labels go into 'labels' beside the XML folder; a JPEGImages folder is checked for each image", () => {
  const root = join(tmp, 'VOC2007');
  cpSync(join(FIX, 'voc'), root, { recursive: true });
  mkdirSync(join(root, 'JPEGImages'));
  for (const stem of ['000001', '000002', '000003']) writeFileSync(join(root, 'JPEGImages', `${stem}.jpg`), 'x');
  const p = problems();
  convertVoc(root, { onProblem: p.on });
  assertSameTree(join(root, 'labels'), join(EXPECTED, 'voc', 'labels'));
  assert.ok(p.text().some((t) => /^2008_000004\.xml: image 2008_000004\.jpg not found in .*JPEGImages \(labels written anyway\)$/.test(t)), p.text().join('\n'));
  assert.deepEqual(listFiles(join(root, 'Annotations')).length, 4, 'nothing written among the XMLs');
});

test("VOC_NAMES are data/VOC.yaml's 20 names in order", () => {
  assert.equal(VOC_NAMES.length, 20);
  assert.equal(VOC_NAMES[0], 'aeroplane');
  assert.equal(VOC_NAMES[14], 'person');
  assert.equal(VOC_NAMES[19], 'tvmonitor');
});

test('--names reads a comma list, a text file and a YAML names: list or dict', () => {
  assert.deepEqual(readClassNames('dog, person ,cup'), ['dog', 'person', 'cup']);
  const y1 = join(tmp, 'a.yaml');
  writeFileSync(y1, 'names:\n  0: dog\n  1: person\n');
  assert.deepEqual(readClassNames(y1), ['dog', 'person']);
  const y2 = join(tmp, 'b.yml');
  writeFileSync(y2, 'nc: 2\nnames: [cat, "traffic light"]\n');
  assert.deepEqual(readClassNames(y2), ['cat', 'traffic light']);
  assert.throws(() => readClassNames('dog,,cup'), /empty name/);
  assert.throws(() => readClassNames('dog,dog'), /'dog' appears twice/);
  const y3 = join(tmp, 'c.yaml');
  writeFileSync(y3, 'names:\n  0: dog\n  2: person\n');
  assert.throws(() => readClassNames(y3), /names keys must be 0…1, got 2/);
});
