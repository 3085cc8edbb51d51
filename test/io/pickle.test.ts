import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

import { PyDict, PyObject, toPlain, unpickle } from '../../src/io/pickle.ts';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

/** Builds pickle bytes from a mix of opcode strings (latin-1) and raw byte arrays. */
function pickleBytes(...parts: (string | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const ch of p) out.push(ch.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}

test('decodes the same Python object pickled with protocols 0 to 5', () => {
  const samples = JSON.parse(readFileSync(join(FIXTURES, 'pickle_samples.json'), 'utf8')) as Record<string, string>;
  assert.deepEqual(Object.keys(samples), ['0', '1', '2', '3', '4', '5']);
  for (const [protocol, b64] of Object.entries(samples)) {
    const root = unpickle(Buffer.from(b64, 'base64'), { source: `protocol ${protocol}` });
    assert.ok(root instanceof PyDict, `protocol ${protocol}`);
    const v = root.toObject();
    assert.deepEqual(
      v['ints'],
      [0, 1, 255, 256, 65535, 65536, -1, -300000, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, 2n ** 70n, -(2n ** 70n)],
      `ints, protocol ${protocol}`,
    );
    assert.deepEqual(v['floats'], [0.5, -1.25e-7, 3.141592653589793]);
    assert.deepEqual(v['flags'], [true, false, null]);
    assert.equal(v['text'], 'héllo ☃ \\u and "quotes"\n', `text, protocol ${protocol}`);
    assert.deepEqual(v['raw'], Uint8Array.from([0x00, 0xff, 0x10, 0x61, 0x62, 0x63]), `bytes, protocol ${protocol}`);
    assert.deepEqual(v['pair'], [1, 'x']);
    assert.deepEqual(toPlain(v['empty']), [[], [], {}]);
    const ordered = v['ordered'] as PyDict;
    assert.deepEqual([...ordered.entries()], [['b', 2], ['a', 1]], 'OrderedDict keeps insertion order');
    const intKeys = v['int_keys'] as PyDict;
    assert.deepEqual([...intKeys.entries()], [[3, 'three'], [1, 'one']], 'int keys stay ints, in order');
    assert.deepEqual(v['set'], new Set([7]));
    assert.deepEqual(v['frozen'], new Set([9]));
    const shared = v['shared'] as unknown[][];
    assert.deepEqual(shared[0], [1, 2]);
    assert.equal(shared[0], shared[1], `memoised list is one object, protocol ${protocol}`);
  }
});

test('hand-built opcodes: BININT/LONG1/BINFLOAT/SHORT_BINUNICODE/TUPLE3/DICT', () => {
  const bytes = pickleBytes(
    [0x80, 0x02], // PROTO 2
    '(', // MARK
    [0x8c, 1], 'k', // SHORT_BINUNICODE 'k'
    'J', [0xfe, 0xff, 0xff, 0xff], // BININT -2
    [0x8c, 1], 'f',
    'G', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0], // BINFLOAT 1.5 (big-endian)
    [0x8c, 1], 't',
    'K', [7], 'M', [0x34, 0x12], [0x8a, 2, 0x00, 0x80], [0x87], // (7, 0x1234, LONG1 -32768) TUPLE3
    'd', // DICT
    '.',
  );
  const v = unpickle(bytes) as PyDict;
  assert.deepEqual(v.toObject(), { k: -2, f: 1.5, t: [7, 0x1234, -32768] });
});

test("refuses 'os.system' + REDUCE (protocol 0 text GLOBAL) and runs nothing", () => {
  const marker = join(tmpdir(), `tsyolo-pickle-marker-${process.pid}`);
  rmSync(marker, { force: true });
  const bytes = pickleBytes(`cos\nsystem\n(S'touch ${marker}'\ntR.`);
  assert.throws(
    () => unpickle(bytes, { source: 'evil.pkl' }),
    { message: "refusing to load evil.pkl: pickle asks for global 'os.system', which is not on the allowlist" },
  );
  assert.equal(existsSync(marker), false);
});

test("refuses 'builtins.eval' / 'posix.system' / 'builtins.getattr' / 'subprocess.Popen'", () => {
  for (const [module, name, full] of [
    ['__builtin__', 'eval', 'builtins.eval'],
    ['builtins', 'exec', 'builtins.exec'],
    ['posix', 'system', 'posix.system'],
    ['builtins', 'getattr', 'builtins.getattr'],
    ['subprocess', 'Popen', 'subprocess.Popen'],
  ] as const) {
    const bytes = pickleBytes([0x80, 0x02], `c${module}\n${name}\n`, [0x8c, 1], '1', [0x85], 'R.');
    assert.throws(() => unpickle(bytes, { source: 'x.pkl' }), {
      message: `refusing to load x.pkl: pickle asks for global '${full}', which is not on the allowlist`,
    });
  }
});

test('refuses STACK_GLOBAL (protocol 4) builtins.exec from a real Python pickle', () => {
  const marker = '/tmp/tsyolo-hostile-marker'; // what the fixture's payload would create
  rmSync(marker, { force: true });
  const bytes = readFileSync(join(FIXTURES, 'hostile_builtins_exec.pkl'));
  assert.throws(() => unpickle(bytes, { source: 'hostile_builtins_exec.pkl' }), {
    message: "refusing to load hostile_builtins_exec.pkl: pickle asks for global 'builtins.exec', which is not on the allowlist",
  });
  assert.equal(existsSync(marker), false);
});

test('inert classes become PyObjects holding args and BUILD state; nothing is called', () => {
  // models.yolo.Detect NEWOBJ with () then BUILD {'nc': 80}; utils.Foo REDUCE with (1, 2)
  const bytes = pickleBytes(
    [0x80, 0x02],
    'cmodels.yolo\nDetect\n', ')', [0x81], '}', [0x8c, 2], 'nc', 'K', [80], 's', 'b',
    'cutils.x\nFoo\n', 'K', [1], 'K', [2], [0x86], 'R',
    [0x86], '.',
  );
  const isInertClass = (m: string) => m === 'models' || m.startsWith('models.') || m.startsWith('utils.');
  const [detect, foo] = unpickle(bytes, { isInertClass }) as [PyObject, PyObject];
  assert.ok(detect instanceof PyObject);
  assert.equal(detect.fullName, 'models.yolo.Detect');
  assert.deepEqual(detect.args, []);
  assert.equal(detect.attr('nc'), 80);
  assert.equal(foo.fullName, 'utils.x.Foo');
  assert.deepEqual(foo.args, [1, 2]);
  // Without the inert-class rule the same bytes are refused.
  assert.throws(() => unpickle(bytes, { source: 'm.pkl' }), /global 'models\.yolo\.Detect', which is not on the allowlist/);
});

test('calling a non-callable and malformed pickles give clear errors', () => {
  assert.throws(() => unpickle(pickleBytes([0x80, 0x02], 'K', [1], ')', 'R.'), { source: 'n.pkl' }), /n\.pkl: .*not callable/);
  assert.throws(() => unpickle(pickleBytes([0x80, 0x02], 'K'), { source: 't.pkl' }), /t\.pkl: pickle is truncated/);
  assert.throws(() => unpickle(pickleBytes([0x80, 0x02], ']'), { source: 't.pkl' }), /t\.pkl: pickle is truncated \(no STOP/);
  assert.throws(() => unpickle(pickleBytes([0x80, 0x02], 'h', [5], '.'), { source: 'm.pkl' }), /m\.pkl: .*memo entry 5/);
  assert.throws(() => unpickle(pickleBytes([0xff]), { source: 'o.pkl' }), /o\.pkl: unknown pickle opcode 0xff/);
  assert.throws(() => unpickle(pickleBytes('.'), { source: 'e.pkl' }), /e\.pkl: pickle stack underflow/);
});

test("a '__proto__' dict key does not alter the prototype of converted objects", () => {
  const bytes = pickleBytes([0x80, 0x02], '}', [0x8c, 9], '__proto__', '}', [0x8c, 1], 'p', 'K', [1], 's', 's.');
  const obj = (unpickle(bytes) as PyDict).toObject();
  assert.equal(Object.getPrototypeOf(obj), Object.prototype);
  assert.ok(Object.hasOwn(obj, '__proto__'));
  assert.equal(({} as Record<string, unknown>)['p'], undefined);
});
