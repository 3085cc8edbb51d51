// PythonRandom against CPython 3.11's `random` (values printed by /usr/bin/python3 for the same calls).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PythonRandom } from '../../src/compat/python-random.ts';

// python3 -c "import random; r=random.Random(S); print(r.random(), r.random(), r.randrange(0,1000),
//   r.choices([0,1,2,3], weights=[0.1,0,2,0.5], k=5)); x=list(range(7)); r.shuffle(x); print(x)"
const CPYTHON: Array<[number, number, number, number, number[], number[]]> = [
  [0, 0.8444218515250481, 0.7579544029403025, 430, [2, 3, 2, 3, 3], [6, 0, 5, 1, 4, 2, 3]],
  [42, 0.6394267984578837, 0.025010755222666936, 281, [2, 2, 2, 2, 2], [1, 2, 5, 6, 0, 3, 4]],
  [2 ** 40 + 7, 0.6137037779936511, 0.8149162973309487, 967, [2, 2, 2, 2, 2], [0, 6, 1, 3, 2, 5, 4]],
  [-5, 0.6229016948897019, 0.7417869892607294, 814, [2, 3, 2, 2, 3], [2, 3, 4, 5, 0, 1, 6]],
];

test('random(), randrange, weighted choices and shuffle follow CPython for int seeds (multi-word and negative too)', () => {
  for (const [seed, a, b, rr, ch, sh] of CPYTHON) {
    const r = new PythonRandom(seed);
    assert.equal(r.random(), a);
    assert.equal(r.random(), b);
    assert.equal(r.randrange(0, 1000), rr);
    assert.deepEqual(r.choices([0, 1, 2, 3], 5, [0.1, 0, 2, 0.5]), ch);
    assert.deepEqual(r.shuffle([0, 1, 2, 3, 4, 5, 6]), sh);
  }
});

test("choices refuses what Python's does", () => {
  const r = new PythonRandom(0);
  assert.throws(() => r.choices([1, 2], 1, [1]), /The number of weights does not match the population/);
  assert.throws(() => r.choices([1, 2], 1, [0, 0]), /Total of weights must be greater than zero/);
  assert.throws(() => r.choices([1, 2], 1, [1, Infinity]), /Total of weights must be finite/);
});
