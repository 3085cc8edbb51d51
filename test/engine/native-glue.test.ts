// The op table (native/ops.ts) is the single statement of the addon's exports: the generated glue must be up to
// date, the built addon must export exactly the table, and argument errors must name the op.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { generatedFiles, parseOp } from '../../native/generate.ts';
import { DTYPE_NAMES, loadNative, native } from '../../src/native/binding.ts';
import { OP_NAMES } from '../../src/native/native.generated.ts';
import * as torch from '../../src/tensor/index.ts';
import { dtypeCode } from '../../src/tensor/dtype.ts';

test('the generated files match the op table', () => {
  for (const f of generatedFiles()) {
    assert.equal(readFileSync(f.path, 'utf8'), f.content, `${f.path} is out of date: run \`node --import tsx native/generate.ts\``);
  }
});

test('the built addon exports exactly the ops of the table', () => {
  const exported = Object.keys(loadNative()).sort();
  assert.deepEqual(exported, [...OP_NAMES].sort());
});

test('the table rejects unknown types, naming the op and the argument', () => {
  assert.throws(() => parseOp('frob(Tensr self) -> Tensor'), /op 'frob': argument 'Tensr self' needs one of the types Tensor,/);
  assert.throws(() => parseOp('frob(Tensor self) -> Tensr'), /op 'frob': return type 'Tensr' is not one of/);
  assert.throws(() => parseOp('frob(Tensor self)'), /'frob\(Tensor self\)' is not 'name\(Type arg, …\) -> Return'/);
});

test('every dtype code round-trips through the engine', () => {
  for (const name of DTYPE_NAMES) {
    const t = torch.zeros([2], { dtype: name });
    assert.equal(native.dtype(t.handle), dtypeCode(name));
    assert.equal(t.dtype, name);
    t.dispose();
  }
});

test('argument errors name the op and the argument position', () => {
  const untyped = native as unknown as Record<string, (...args: unknown[]) => unknown>;
  assert.throws(() => untyped.transpose!(), /^Error: transpose\(\): argument 0 must be a tensor$/);
  const t = torch.ones([2, 2]);
  assert.throws(() => untyped.transpose!(t.handle, 0, 'x'), /transpose\(\): argument 2 must be a number/);
  assert.throws(() => untyped.sum!(t.handle, [0], 'yes'), /sum\(\): argument 2 must be a boolean/);
  assert.throws(() => untyped.conv2d!(t.handle, t.handle, 7.5, [1, 1], [0, 0], [1, 1], 1), /conv2d\(\): tensor used after dispose\(\)/);
  t.dispose();
});
