// The small XML reader behind `convert voc`: what annotation tools write reads as ElementTree reads it; malformed
// input is an error naming the line. The PyYAML-style scalars of the class-name YAMLs, and the fast '%g'.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pyFormat } from '../../src/compat/python.ts';
import { formatG } from '../../src/convert/geometry.ts';
import { pyYamlScalar } from '../../src/convert/names.ts';
import { parseXml, xmlChild, xmlIter } from '../../src/convert/xml.ts';

test('parseXml: declaration, comments, attributes, entities, CDATA, self-closing elements, document order', () => {
  const root = parseXml(
    '\ufeff<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE annotation>\n<!-- c -->\n<annotation verified="yes" note=\'a &amp; b\'>\n' +
      '  <filename>x&lt;1&gt;&#65;&#x42;.jpg</filename>\n  <object><name><![CDATA[dog & cat]]></name><part><object><name>inner</name></object></part></object>\n' +
      '  <segmented/>\n  <object><name>cat</name></object>\n</annotation>\n<!-- trailing -->\n',
  );
  assert.equal(root.name, 'annotation');
  assert.deepEqual(root.attributes, { verified: 'yes', note: 'a & b' });
  assert.equal(xmlChild(root, 'filename')?.text, 'x<1>AB.jpg');
  assert.deepEqual(
    xmlIter(root, 'object').map((o) => xmlChild(o, 'name')?.text),
    ['dog & cat', 'inner', 'cat'],
  );
  assert.equal(xmlChild(root, 'segmented')?.children.length, 0);
  assert.equal(xmlChild(root, 'missing'), undefined);
});

test('parseXml: malformed documents are errors with the line', () => {
  assert.throws(() => parseXml('<a>\n<b>\n</a>'), /^Error: line 3: <\/a> closes <b>$/);
  assert.throws(() => parseXml('<a>\n<b>text'), /line 2: <b> has no closing tag/);
  assert.throws(() => parseXml('<a x=1></a>'), /attribute x of <a> is not quoted/);
  assert.throws(() => parseXml('<a>&nbsp;</a>'), /unknown entity &nbsp;/);
  assert.throws(() => parseXml('<a>AT&T</a>'), /'&' not followed by an entity reference/);
  assert.throws(() => parseXml('<a></a><b></b>'), /text after the root element/);
  assert.throws(() => parseXml('  '), /no root element/);
});

test("pyYamlScalar quotes what PyYAML's safe_dump quotes (the COCO fixture's names YAML checks it against PyYAML)", () => {
  assert.equal(pyYamlScalar('traffic light'), 'traffic light');
  assert.equal(pyYamlScalar('yes'), "'yes'");
  assert.equal(pyYamlScalar('1e5'), '1e5'); // not a YAML 1.1 float (no dot)
  assert.equal(pyYamlScalar('1.5'), "'1.5'");
  assert.equal(pyYamlScalar("it's"), "it's");
  assert.equal(pyYamlScalar('a: b'), "'a: b'");
  assert.equal(pyYamlScalar('日本'), '"\\u65E5\\u672C"');
  assert.equal(pyYamlScalar(''), "''");
});

test("formatG is pyFormat('%g') (exact, ties to even), on ties, exponents and many pixel / size ratios", () => {
  // Python: '%g' % 0.5078125 == '0.507812', '%g' % 0.5078135 == '0.507814' (not a tie in binary), '%g' % 1e-05 == '1e-05'
  assert.equal(formatG(0.5078125), '0.507812');
  assert.equal(formatG(0.5078135), '0.507814');
  assert.equal(formatG(1e-5), '1e-05');
  assert.equal(formatG(123456789), '1.23457e+08');
  assert.equal(formatG(-0.25), '-0.25');
  let checked = 0;
  for (const w of [640, 500, 480, 427, 375, 333, 100, 64]) {
    for (let k = -20; k <= 3 * w; k++) {
      for (const x of [k / w, (k + 0.5) / w, (k + 0.25) / (2 * w), k * 1e-7, k * 12345.678]) {
        assert.equal(formatG(x), pyFormat('%g', x), String(x));
        checked++;
      }
    }
  }
  assert.ok(checked > 40_000);
});
