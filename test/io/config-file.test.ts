// The one YAML config reader: every error starts with the file and names the key; model and dataset configs use it.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigMap, readConfigFile } from '../../src/io/config-file.ts';
import { loadModelConfig, validateModelConfig } from '../../src/yolo/model-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'tsyolo-config-'));
function yamlFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('typed values come back; a wrong type, range or missing key names the file and the key', () => {
  const file = yamlFile('a.yaml', 'lr0: 0.01\nepochs: 3\nname: exp\nempty:\nratio: 0\n');
  const cfg = readConfigFile(file, 'settings');
  assert.equal(cfg.number('lr0'), 0.01);
  assert.equal(cfg.number('epochs', { integer: true, min: 1 }), 3);
  assert.equal(cfg.string('name'), 'exp');
  assert.equal(cfg.optionalNumber('empty'), undefined, "YAML's empty value counts as absent");
  assert.equal(cfg.optionalString('missing'), undefined);
  assert.throws(() => cfg.number('name'), { message: `${file}: 'name' must be a number, got "exp"` });
  assert.throws(() => cfg.number('lr0', { integer: true }), { message: `${file}: 'lr0' must be an integer, got 0.01` });
  assert.throws(() => cfg.number('epochs', { min: 5 }), { message: `${file}: 'epochs' must be a number ≥ 5, got 3` });
  assert.throws(() => cfg.number('ratio', { above: 0 }), { message: `${file}: 'ratio' must be a number > 0, got 0` });
  assert.throws(() => cfg.number('empty'), { message: `${file}: 'empty' is missing` });
  assert.throws(() => cfg.string('epochs'), { message: `${file}: 'epochs' must be a string, got 3` });
  assert.throws(() => cfg.rejectUnknown(['lr0', 'epochs', 'name', 'empty']), /a\.yaml: 'ratio' is not a known key \(known: lr0, epochs, name, empty\)/);
});

test('unreadable, malformed and non-mapping files are refused naming the file', () => {
  assert.throws(() => readConfigFile(join(dir, 'absent.yaml'), 'settings'), { message: `${join(dir, 'absent.yaml')}: cannot be read: ENOENT` });
  const broken = yamlFile('broken.yaml', 'a: [1, 2\nb: 3\n');
  assert.throws(() => readConfigFile(broken, 'settings'), (e: Error) => e.message.startsWith(`${broken}: malformed YAML: `));
  const list = yamlFile('list.yaml', '- 1\n- 2\n');
  assert.throws(() => readConfigFile(list, 'a mapping of settings'), { message: `${list}: must be a mapping (a mapping of settings), got [1,2]` });
  assert.throws(() => ConfigMap.of(null, 'ckpt.pt (stored model YAML)', 'x'), { message: "ckpt.pt (stored model YAML): must be a mapping (x), got null" });
});

test('model configs: impossible nc, multiples and anchors are refused at parse time, naming file and key', () => {
  const base = { nc: 2, depth_multiple: 1, width_multiple: 1, anchors: [[10, 13, 16, 30]], backbone: [], head: [] };
  for (const [key, value, pattern] of [
    ['nc', 0, /'nc' must be an integer ≥ 1, got 0/],
    ['nc', -3, /'nc' must be an integer ≥ 1, got -3/],
    ['nc', 2.5, /'nc' must be an integer, got 2.5/],
    ['width_multiple', 0, /'width_multiple' must be a number > 0, got 0/],
    ['width_multiple', -1, /'width_multiple' must be a number > 0, got -1/],
    ['depth_multiple', '1', /'depth_multiple' must be a number, got "1"/],
    ['anchors', 0, /'anchors' must be a list .* or a positive integer, got 0/],
    ['anchors', [[10, -13]], /'anchors' must be a list/],
  ] as const) {
    assert.throws(() => validateModelConfig({ ...base, [key]: value }, 'm.yaml'), (e: Error) => e.message.startsWith('m.yaml: ') && pattern.test(e.message), `${key}: ${String(value)}`);
  }
  const file = yamlFile('m.yaml', 'nc: 2\ndepth_multiple: 0.33\nwidth_multiple: 0.25\nanchors: 3\nbackbone: [[-1, 1, Conv, [16, 3]]]\nhead: [[-1, 1, Detect, [nc, anchors]]]\n');
  assert.equal(loadModelConfig(file).config.width_multiple, 0.25);
});
