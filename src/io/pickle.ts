// A safe unpickler for the pickles that torch.save and Python's pickle module write (protocols 0–5).
// It never runs anything a pickle names: GLOBAL/STACK_GLOBAL resolve only through an allowlist of
// reconstructors implemented here in TypeScript, or of classes the caller declares *inert* (their
// instances become PyObject records whose constructor arguments and state are stored, never called).
// Every other global is refused, which is what makes loading an untrusted checkpoint harmless.

/** A Python dict (or OrderedDict): keeps insertion order and non-string keys. */
export class PyDict {
  readonly map = new Map<unknown, unknown>();

  get size(): number {
    return this.map.size;
  }
  get(key: unknown): unknown {
    return this.map.get(key);
  }
  has(key: unknown): boolean {
    return this.map.has(key);
  }
  set(key: unknown, value: unknown): void {
    this.map.set(key, value);
  }
  keys(): IterableIterator<unknown> {
    return this.map.keys();
  }
  entries(): IterableIterator<[unknown, unknown]> {
    return this.map.entries();
  }
  /** Shallow conversion to a plain object; throws when a key is not a string. */
  toObject(): Record<string, unknown> {
    const pairs: [string, unknown][] = [];
    for (const [k, v] of this.map) {
      if (typeof k !== 'string') throw new Error(`dict key ${describeValue(k)} is not a string`);
      pairs.push([k, v]);
    }
    // Object.fromEntries defines own properties, so a '__proto__' key cannot alter the prototype.
    return Object.fromEntries(pairs);
  }
}

/** A reference to a class that may be instantiated only as inert data. */
export class PyClassRef {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get fullName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance of an inert class: what NEWOBJ/REDUCE/BUILD produced, with nothing executed. */
export class PyObject {
  /** BUILD's argument (usually the instance __dict__ as a PyDict); null until BUILD. */
  state: unknown = null;
  /** Items added by SETITEM(S) / APPEND(S) when the class is a dict or list subclass. */
  dictItems: PyDict | null = null;
  listItems: unknown[] | null = null;

  constructor(
    readonly module: string,
    readonly name: string,
    readonly args: readonly unknown[],
    readonly kwargs: PyDict | null = null,
  ) {}

  get fullName(): string {
    return `${this.module}.${this.name}`;
  }

  /** An attribute from the pickled instance __dict__ (or `(dict, slots)` state), or undefined. */
  attr(name: string): unknown {
    const s = this.state;
    if (s instanceof PyDict) return s.get(name);
    if (Array.isArray(s) && s.length === 2) {
      for (const part of s) if (part instanceof PyDict && part.has(name)) return part.get(name);
    }
    return undefined;
  }
}

/** A Python callable the unpickler may call: its behaviour is this TypeScript function. */
export type Reconstructor = (args: unknown[], kwargs?: PyDict) => unknown;

export interface UnpickleOptions {
  /** File name used in error messages. */
  source?: string;
  /** Extra allowlisted callables by full dotted name (e.g. 'torch._utils._rebuild_tensor_v2'). */
  reconstructors?: ReadonlyMap<string, Reconstructor>;
  /** Allowlisted globals that are plain values (e.g. storage types), by full dotted name; not callable. */
  constants?: ReadonlyMap<string, unknown>;
  /** Which classes may be instantiated as inert PyObjects. Default: none. */
  isInertClass?: (module: string, name: string) => boolean;
  /** Resolves PERSID/BINPERSID ids (torch storages). Without it, persistent ids are refused. */
  persistentLoad?: (pid: unknown) => unknown;
}

/** Python 2 module names that protocol ≤ 2 pickles use, mapped to their Python 3 names. */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

/** Standard-library callables whose result is plain data. */
const STDLIB_RECONSTRUCTORS = new Map<string, Reconstructor>([
  ['collections.OrderedDict', (args) => dictFrom(args[0])],
  ['builtins.dict', (args) => dictFrom(args[0])],
  ['builtins.list', (args) => (args.length ? [...iterableOf(args[0])] : [])],
  ['builtins.tuple', (args) => (args.length ? [...iterableOf(args[0])] : [])],
  ['builtins.set', (args) => new Set(args.length ? iterableOf(args[0]) : [])],
  ['builtins.frozenset', (args) => new Set(args.length ? iterableOf(args[0]) : [])],
  ['builtins.slice', (args) => ({ start: args[0] ?? null, stop: args[1] ?? null, step: args[2] ?? null })],
  ['builtins.bytearray', (args) => bytesFrom(args)],
  ['_codecs.encode', (args) => encodeLatin1(args)],
  // Protocol < 2 instances: copyreg._reconstructor(cls, object, None); only inert classes get through GLOBAL.
  ['copyreg._reconstructor', (args) => reconstructInert(args[0])],
  ['builtins.object', () => {
    throw new Error('object() is not supported');
  }],
  // NumPy scalars (e.g. a best_fitness saved as numpy.float64): decoded from their raw bytes.
  ['numpy.dtype', (args) => new PyObject('numpy', 'dtype', args)],
  ['numpy.core.multiarray.scalar', (args) => numpyScalar(args)],
  ['numpy._core.multiarray.scalar', (args) => numpyScalar(args)],
  // NumPy arrays (YOLOv5 v5.0 / YOLOv5-Lite train.py stores best_fitness as one): an inert ndarray whose BUILD
  // state (version, shape, dtype, fortran, raw bytes) is read by numpyArrayScalar().
  ['numpy.ndarray', () => {
    throw new Error('numpy.ndarray() is not supported');
  }],
  ['numpy.core.multiarray._reconstruct', (args) => numpyEmptyArray(args)],
  ['numpy._core.multiarray._reconstruct', (args) => numpyEmptyArray(args)],
]);

/** Unpickles `bytes`. Throws an Error naming `source` for malformed pickles and disallowed globals. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): unknown {
  return new Unpickler(bytes, options).load();
}

/**
 * Recursively converts PyDicts with string keys to plain objects (tuples/lists to arrays, Sets to arrays).
 * Other values (numbers, strings, HostTensors, PyObjects, …) are returned as they are.
 */
export function toPlain(value: unknown, depth = 0): unknown {
  if (depth > 200) throw new Error('toPlain: structure is nested too deeply (cyclic?)');
  if (value instanceof PyDict) {
    const pairs: [string, unknown][] = [];
    for (const [k, v] of value.entries()) {
      const key = typeof k === 'string' ? k : typeof k === 'number' || typeof k === 'bigint' ? String(k) : undefined;
      if (key === undefined) throw new Error(`toPlain: dict key ${describeValue(k)} cannot become an object key`);
      pairs.push([key, toPlain(v, depth + 1)]);
    }
    return Object.fromEntries(pairs);
  }
  if (Array.isArray(value)) return value.map((v) => toPlain(v, depth + 1));
  if (value instanceof Set) return [...value].map((v) => toPlain(v, depth + 1));
  return value;
}

export function describeValue(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PyObject) return `<${v.fullName} object>`;
  if (v instanceof PyClassRef) return `<class ${v.fullName}>`;
  if (v instanceof PyDict) return `<dict of ${v.size}>`;
  if (Array.isArray(v)) return `<sequence of ${v.length}>`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'object') return `<${v.constructor?.name ?? 'object'}>`;
  return String(v);
}

function dictFrom(items: unknown): PyDict {
  const d = new PyDict();
  if (items === undefined || items === null) return d;
  if (items instanceof PyDict) {
    for (const [k, v] of items.entries()) d.set(k, v);
    return d;
  }
  for (const pair of iterableOf(items)) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new Error('dict() item is not a (key, value) pair');
    d.set(pair[0], pair[1]);
  }
  return d;
}

function reconstructInert(cls: unknown): PyObject {
  if (!(cls instanceof PyClassRef)) throw new Error(`cannot reconstruct ${describeValue(cls)}`);
  return new PyObject(cls.module, cls.name, []);
}

/** numpy.core.multiarray.scalar(dtype, raw bytes) → number (or bigint / boolean). */
function numpyScalar(args: unknown[]): number | bigint | boolean {
  const [dtype, raw] = args;
  if (!(dtype instanceof PyObject) || typeof dtype.args[0] !== 'string') throw new Error('numpy scalar without a dtype');
  const bytes = raw instanceof Uint8Array ? raw : typeof raw === 'string' ? encodeLatin1([raw, 'latin1']) : null;
  if (!bytes) throw new Error('numpy scalar without raw bytes');
  // The dtype's BUILD state is (version, byteorder, ...); '>' is the only big-endian case.
  const state = dtype.state;
  const littleEndian = !(Array.isArray(state) && state[1] === '>');
  const code = dtype.args[0];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (n: number) => {
    if (bytes.length < n) throw new Error(`numpy ${code} scalar needs ${n} bytes, got ${bytes.length}`);
  };
  switch (code) {
    case 'f8': need(8); return view.getFloat64(0, littleEndian);
    case 'f4': need(4); return view.getFloat32(0, littleEndian);
    case 'i8': need(8); return toNumberIfSafe(view.getBigInt64(0, littleEndian));
    case 'u8': need(8); return toNumberIfSafe(view.getBigUint64(0, littleEndian));
    case 'i4': need(4); return view.getInt32(0, littleEndian);
    case 'u4': need(4); return view.getUint32(0, littleEndian);
    case 'i2': need(2); return view.getInt16(0, littleEndian);
    case 'u2': need(2); return view.getUint16(0, littleEndian);
    case 'i1': need(1); return view.getInt8(0);
    case 'u1': need(1); return view.getUint8(0);
    case 'b1': need(1); return view.getUint8(0) !== 0;
    default: throw new Error(`numpy scalar of dtype '${code}' is not supported`);
  }
}

function numpyEmptyArray(args: unknown[]): PyObject {
  if (!(args[0] instanceof AllowedCallable) || args[0].fullName !== 'numpy.ndarray') throw new Error(`_reconstruct of ${describeValue(args[0])} is not supported`);
  return new PyObject('numpy', 'ndarray', []);
}

/** The value of a one-element NumPy array (after its BUILD), else undefined. */
export function numpyArrayScalar(v: unknown): number | bigint | boolean | undefined {
  if (!(v instanceof PyObject) || v.module !== 'numpy' || v.name !== 'ndarray' || !Array.isArray(v.state)) return undefined;
  const [, shape, dtype, , raw] = v.state as [unknown, unknown, unknown, unknown, unknown];
  if (!Array.isArray(shape) || shape.reduce((a: number, b) => a * Number(b), 1) !== 1) return undefined;
  return numpyScalar([dtype, raw]);
}

function iterableOf(v: unknown): Iterable<unknown> {
  if (Array.isArray(v) || v instanceof Set) return v;
  if (v instanceof PyDict) return v.keys();
  throw new Error(`expected a sequence, got ${describeValue(v)}`);
}

function bytesFrom(args: unknown[]): Uint8Array {
  if (args.length === 0) return new Uint8Array(0);
  if (args[0] instanceof Uint8Array) return new Uint8Array(args[0]);
  if (typeof args[0] === 'string') return encodeLatin1(args);
  throw new Error(`bytearray() of ${describeValue(args[0])} is not supported`);
}

/** Protocol ≤ 2 pickles write bytes as _codecs.encode(str, 'latin1'). */
function encodeLatin1(args: unknown[]): Uint8Array {
  const [text, encoding] = args;
  if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1' && encoding !== undefined)) {
    throw new Error(`_codecs.encode(${describeValue(text)}, ${describeValue(encoding)}) is not supported`);
  }
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new Error('_codecs.encode: character outside latin-1');
    out[i] = c;
  }
  return out;
}

const MARK = Symbol('pickle MARK');

class Unpickler {
  private pos = 0;
  private stack: unknown[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly view: DataView;
  private readonly source: string;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: UnpickleOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.source = options.source ?? '<pickle>';
  }

  load(): unknown {
    try {
      return this.run();
    } catch (err) {
      const message = (err as Error).message;
      if (message.startsWith(`refusing to load ${this.source}`) || message.startsWith(`${this.source}:`)) throw err;
      throw new Error(`${this.source}: bad pickle at byte ${this.pos}: ${message}`, { cause: err });
    }
  }

  private fail(message: string): never {
    throw new Error(`${this.source}: ${message}`);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) this.fail(`pickle is truncated (needs ${n} more bytes at byte ${this.pos})`);
  }
  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }
  private u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(this.bytes.length)) this.fail(`length ${v} exceeds the pickle size`);
    return Number(v);
  }
  private take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** A text line terminated by '\n' (protocol 0 opcodes), without the newline. */
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('pickle is truncated (unterminated text line)');
    const s = latin1(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  private push(v: unknown): void {
    this.stack.push(v);
  }
  private pop(): unknown {
    if (this.stack.length === 0) this.fail('pickle stack underflow');
    const v = this.stack.pop();
    if (v === MARK) this.fail('unexpected MARK on the stack');
    return v;
  }
  private top(): unknown {
    if (this.stack.length === 0) this.fail('pickle stack underflow');
    return this.stack[this.stack.length - 1];
  }
  /** Pops everything above the latest MARK (and the mark). */
  private popMark(): unknown[] {
    const at = this.marks.pop();
    if (at === undefined) this.fail('pickle has no MARK to pop to');
    const items = this.stack.slice(at + 1);
    this.stack.length = at;
    return items;
  }
  private memoGet(index: number): unknown {
    if (!this.memo.has(index)) this.fail(`pickle refers to memo entry ${index}, which was never stored`);
    return this.memo.get(index);
  }

  private run(): unknown {
    const b = this.bytes;
    for (;;) {
      if (this.pos >= b.length) this.fail('pickle is truncated (no STOP opcode)');
      const op = b[this.pos++]!;
      switch (op) {
        case 0x80: // PROTO
          if (this.u8() > 5) this.fail('pickle protocol is newer than 5');
          break;
        case 0x95: // FRAME: framing is only a buffering hint
          this.u64();
          break;
        case 0x2e: // STOP
          return this.pop();
        case 0x28: // MARK
          this.marks.push(this.stack.length);
          this.stack.push(MARK);
          break;
        case 0x30: // POP
          if (this.stack[this.stack.length - 1] === MARK) this.popMark();
          else this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;

        // --- constants and numbers
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x4a: // BININT
          this.push(this.i32());
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.u16());
          break;
        case 0x49: // INT (text; '00'/'01' are False/True)
          this.push(parseTextInt(this.line(), true));
          break;
        case 0x4c: // LONG (text, trailing 'L')
          this.push(parseTextInt(this.line().replace(/L$/, ''), false));
          break;
        case 0x8a: // LONG1
          this.push(decodeLong(this.take(this.u8())));
          break;
        case 0x8b: {
          // LONG4
          const n = this.i32();
          if (n < 0) this.fail('negative LONG4 length');
          this.push(decodeLong(this.take(n)));
          break;
        }
        case 0x47: {
          // BINFLOAT (big-endian double)
          this.need(8);
          this.push(this.view.getFloat64(this.pos, false));
          this.pos += 8;
          break;
        }
        case 0x46: {
          // FLOAT (text)
          const text = this.line();
          const v = Number(text);
          if (Number.isNaN(v) && !/nan/i.test(text)) this.fail(`bad FLOAT literal '${text}'`);
          this.push(v);
          break;
        }

        // --- strings and bytes
        case 0x58: // BINUNICODE
          this.push(this.utf8.decode(this.take(this.u32())));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.utf8.decode(this.take(this.u8())));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.utf8.decode(this.take(this.u64())));
          break;
        case 0x56: // UNICODE (raw-unicode-escape text)
          this.push(decodeRawUnicodeEscape(this.line()));
          break;
        case 0x54: {
          // BINSTRING (Python 2 str; decoded as latin-1 like encoding='latin1')
          const n = this.i32();
          if (n < 0) this.fail('negative BINSTRING length');
          this.push(latin1(this.take(n)));
          break;
        }
        case 0x55: // SHORT_BINSTRING
          this.push(latin1(this.take(this.u8())));
          break;
        case 0x53: // STRING (quoted text)
          this.push(parseQuotedString(this.line()));
          break;
        case 0x42: // BINBYTES
          this.push(new Uint8Array(this.take(this.u32())));
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(new Uint8Array(this.take(this.u8())));
          break;
        case 0x8e: // BINBYTES8
          this.push(new Uint8Array(this.take(this.u64())));
          break;
        case 0x96: // BYTEARRAY8
          this.push(new Uint8Array(this.take(this.u64())));
          break;
        case 0x97: // NEXT_BUFFER
        case 0x98: // READONLY_BUFFER
          this.fail('pickle uses out-of-band buffers (protocol 5 buffer_callback), which are not supported');

        // --- containers
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x6c: // LIST
          this.push(this.popMark());
          break;
        case 0x61: {
          // APPEND
          const v = this.pop();
          this.appendTo(this.top(), [v]);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          this.appendTo(this.top(), items);
          break;
        }
        case 0x29: // EMPTY_TUPLE
          this.push([]);
          break;
        case 0x74: // TUPLE
          this.push(this.popMark());
          break;
        case 0x85: // TUPLE1
          this.push([this.pop()]);
          break;
        case 0x86: {
          // TUPLE2
          const b2 = this.pop();
          const a = this.pop();
          this.push([a, b2]);
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b2 = this.pop();
          const a = this.pop();
          this.push([a, b2, c]);
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.push(new PyDict());
          break;
        case 0x64: {
          // DICT
          const items = this.popMark();
          const d = new PyDict();
          this.setItems(d, items);
          this.push(d);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = this.pop();
          const k = this.pop();
          this.setItems(this.top(), [k, v]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case 0x8f: // EMPTY_SET
          this.push(new Set());
          break;
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const s = this.top();
          if (!(s instanceof Set)) this.fail(`ADDITEMS on ${describeValue(s)}`);
          for (const v of items) s.add(v);
          break;
        }
        case 0x91: // FROZENSET
          this.push(new Set(this.popMark()));
          break;

        // --- memo
        case 0x67: // GET
          this.push(this.memoGet(parseTextInt(this.line(), false) as number));
          break;
        case 0x68: // BINGET
          this.push(this.memoGet(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(this.u32()));
          break;
        case 0x70: // PUT
          this.memo.set(parseTextInt(this.line(), false) as number, this.top());
          break;
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.u32(), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;

        // --- globals and object construction: the security boundary
        case 0x63: {
          // GLOBAL "module\nname\n"
          const module = this.line();
          const name = this.line();
          this.push(this.resolveGlobal(module, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.fail('STACK_GLOBAL needs two strings');
          this.push(this.resolveGlobal(module, name));
          break;
        }
        case 0x52: {
          // REDUCE: callable(*args)
          const args = this.pop();
          const callable = this.pop();
          this.push(this.call(callable, args, null));
          break;
        }
        case 0x81: {
          // NEWOBJ: cls.__new__(cls, *args)
          const args = this.pop();
          const cls = this.pop();
          this.push(this.call(cls, args, null));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          if (!(kwargs instanceof PyDict)) this.fail('NEWOBJ_EX kwargs is not a dict');
          this.push(this.call(cls, args, kwargs));
          break;
        }
        case 0x69: {
          // INST "module\nname\n" with args above a MARK (protocol 0)
          const module = this.line();
          const name = this.line();
          const args = this.popMark();
          this.push(this.call(this.resolveGlobal(module, name), args, null));
          break;
        }
        case 0x6f: {
          // OBJ: MARK cls args... (protocol 1)
          const items = this.popMark();
          if (items.length === 0) this.fail('OBJ without a class');
          this.push(this.call(items[0], items.slice(1), null));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop();
          this.build(this.top(), state);
          break;
        }
        case 0x50: {
          // PERSID (text id)
          this.push(this.persistentLoad(this.line()));
          break;
        }
        case 0x51: // BINPERSID
          this.push(this.persistentLoad(this.pop()));
          break;
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: // EXT4
          this.fail('pickle uses the copyreg extension registry (EXT opcodes), which is not supported');
        default:
          this.fail(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }

  private resolveGlobal(rawModule: string, name: string): unknown {
    const module = PY2_MODULES[rawModule] ?? rawModule;
    const full = `${module}.${name}`;
    const fn = STDLIB_RECONSTRUCTORS.get(full) ?? this.options.reconstructors?.get(full);
    if (fn) return new AllowedCallable(full, fn);
    if (this.options.constants?.has(full)) return this.options.constants.get(full);
    if (this.options.isInertClass?.(module, name)) return new PyClassRef(module, name);
    throw new Error(`refusing to load ${this.source}: pickle asks for global '${full}', which is not on the allowlist`);
  }

  private call(callable: unknown, args: unknown, kwargs: PyDict | null): unknown {
    if (!Array.isArray(args)) this.fail(`arguments for ${describeValue(callable)} are not a tuple`);
    if (callable instanceof AllowedCallable) {
      try {
        return callable.fn(args, kwargs ?? undefined);
      } catch (err) {
        this.fail(`${callable.fullName}(…) failed: ${(err as Error).message}`);
      }
    }
    if (callable instanceof PyClassRef) return new PyObject(callable.module, callable.name, args, kwargs);
    this.fail(`pickle tries to call ${describeValue(callable)}, which is not callable`);
  }

  private build(target: unknown, state: unknown): void {
    if (target instanceof PyObject) {
      target.state = state;
      return;
    }
    // OrderedDict and friends may carry an empty/None state; anything else has no meaning here.
    if (state === null || (state instanceof PyDict && state.size === 0)) return;
    if (target instanceof PyDict && state instanceof PyDict) {
      for (const [k, v] of state.entries()) target.set(k, v);
      return;
    }
    this.fail(`BUILD with state ${describeValue(state)} on ${describeValue(target)} is not supported`);
  }

  private appendTo(target: unknown, items: unknown[]): void {
    if (Array.isArray(target)) target.push(...items);
    else if (target instanceof PyObject) (target.listItems ??= []).push(...items);
    else this.fail(`APPEND on ${describeValue(target)}`);
  }

  private setItems(target: unknown, items: unknown[]): void {
    if (items.length % 2 !== 0) this.fail('SETITEMS with an odd number of items');
    const dict = target instanceof PyDict ? target : target instanceof PyObject ? (target.dictItems ??= new PyDict()) : null;
    if (!dict) this.fail(`SETITEM on ${describeValue(target)}`);
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  }

  private persistentLoad(pid: unknown): unknown {
    if (!this.options.persistentLoad) this.fail('pickle has a persistent id but no persistent loader was given');
    return this.options.persistentLoad(pid);
  }
}

class AllowedCallable {
  constructor(
    readonly fullName: string,
    readonly fn: Reconstructor,
  ) {}
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

function parseTextInt(text: string, boolCodes: boolean): number | bigint | boolean {
  if (boolCodes && text === '00') return false;
  if (boolCodes && text === '01') return true;
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`bad integer literal '${text}'`);
  const big = BigInt(text);
  return toNumberIfSafe(big);
}

function toNumberIfSafe(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Little-endian two's-complement integer (LONG1/LONG4). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return toNumberIfSafe(v);
}

function decodeRawUnicodeEscape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u4: string | undefined, u8: string | undefined) =>
    String.fromCodePoint(parseInt((u4 ?? u8)!, 16)),
  );
}

function parseQuotedString(text: string): string {
  const q = text[0];
  if ((q !== "'" && q !== '"') || text.length < 2 || text[text.length - 1] !== q) {
    throw new Error('STRING opcode argument is not a quoted string');
  }
  const body = text.slice(1, -1);
  const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
  return body.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_m, e: string) =>
    e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (simple[e] ?? '\\' + e),
  );
}
