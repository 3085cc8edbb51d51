// Python semantics YOLOv5's numbers and text depend on: round(), `%` formatting, str()/repr() of values, and
// reading back a repr'd dict/list of strings. Browser-safe (no node: imports).
// Numbers are formatted from their exact binary value with ties to even, as CPython does; JavaScript's
// toFixed/toPrecision round ties away from zero, which differs for values such as 0.125 or 2.5.

/** Python's round(): halves go to the even neighbour (YOLOv5 relies on it in letterbox and depth scaling). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** One parsed conversion such as `%11.3g`. */
interface Spec {
  leftAlign: boolean;
  zeroPad: boolean;
  plusSign: boolean;
  spaceSign: boolean;
  alternate: boolean;
  width: number;
  precision: number | undefined;
  conversion: string;
}

const SPEC_RE = /%([-+ #0]*)(\d+)?(?:\.(\d+))?([diufFeEgGs%])/g;

/**
 * Formats like Python's `fmt % args`: `pyFormat('%22s%11i%11.3g', 'all', 128, 0.7146)`.
 * Supported conversions: d i u f F e E g G s %, flags `- + space # 0`, width and precision.
 */
export function pyFormat(fmt: string, ...args: Array<string | number | bigint>): string {
  let next = 0;
  let out = '';
  let last = 0;
  for (const m of fmt.matchAll(SPEC_RE)) {
    out += fmt.slice(last, m.index);
    last = m.index! + m[0].length;
    const spec: Spec = {
      leftAlign: m[1]!.includes('-'),
      zeroPad: m[1]!.includes('0'),
      plusSign: m[1]!.includes('+'),
      spaceSign: m[1]!.includes(' '),
      alternate: m[1]!.includes('#'),
      width: m[2] === undefined ? 0 : Number(m[2]),
      precision: m[3] === undefined ? undefined : Number(m[3]),
      conversion: m[4]!,
    };
    if (spec.conversion === '%') {
      out += '%';
      continue;
    }
    if (next >= args.length) throw new Error(`pyFormat: not enough arguments for format string ${JSON.stringify(fmt)}`);
    out += formatOne(spec, args[next++]!, fmt);
  }
  const rest = fmt.slice(last);
  if (rest.includes('%')) throw new Error(`pyFormat: unsupported conversion in ${JSON.stringify(fmt)}`);
  if (next !== args.length) {
    throw new Error(`pyFormat: not all arguments converted (${args.length} given, ${next} used) for ${JSON.stringify(fmt)}`);
  }
  return out + rest;
}

function formatOne(spec: Spec, value: string | number | bigint, fmt: string): string {
  const c = spec.conversion;
  if (c === 's') {
    let s = typeof value === 'string' ? value : pyStr(value);
    if (spec.precision !== undefined) s = s.slice(0, spec.precision);
    return pad(s, '', spec, false);
  }
  if (typeof value === 'string') {
    throw new Error(`pyFormat: %${c} in ${JSON.stringify(fmt)} needs a number, got the string ${JSON.stringify(value)}`);
  }
  if (c === 'd' || c === 'i' || c === 'u') {
    let n: bigint;
    if (typeof value === 'bigint') n = value;
    else {
      if (!Number.isFinite(value)) throw new Error(`pyFormat: cannot convert ${value} to integer for %${c}`);
      n = BigInt(Math.trunc(value));
    }
    const negative = n < 0n;
    let digits = (negative ? -n : n).toString();
    if (spec.precision !== undefined && digits.length < spec.precision) digits = digits.padStart(spec.precision, '0');
    return pad(digits, signOf(negative, spec), spec, true);
  }
  const x = Number(value);
  const negative = x < 0 || Object.is(x, -0);
  const sign = signOf(negative, spec);
  let body: string;
  if (Number.isNaN(x)) body = 'nan';
  else if (!Number.isFinite(x)) body = 'inf';
  else {
    const lower = c.toLowerCase();
    const precision = spec.precision ?? 6;
    if (lower === 'f') body = fixedBody(Math.abs(x), precision, spec.alternate);
    else if (lower === 'e') body = formatExponent(Math.abs(x), precision, spec.alternate);
    else body = formatGeneral(Math.abs(x), precision, spec.alternate);
  }
  if (c === 'F' || c === 'E' || c === 'G') body = body.toUpperCase();
  return pad(body, sign, spec, true);
}

function signOf(negative: boolean, spec: Spec): string {
  if (negative) return '-';
  if (spec.plusSign) return '+';
  if (spec.spaceSign) return ' ';
  return '';
}

function pad(body: string, sign: string, spec: Spec, numeric: boolean): string {
  const len = sign.length + body.length;
  if (len >= spec.width) return sign + body;
  const fill = spec.width - len;
  if (spec.leftAlign) return sign + body + ' '.repeat(fill);
  if (spec.zeroPad && numeric) return sign + '0'.repeat(fill) + body;
  return ' '.repeat(fill) + sign + body;
}

/** Python's f"{x:.{digits}f}" (the numbers on plots: "person 0.88"). */
export function formatFixed(x: number, digits: number): string {
  return pyFormat(`%.${digits}f`, x);
}

/** Python's str() of a number: integers (and bigints) as ints, everything else as a float's repr. */
export function pyStr(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  return pyFloatRepr(value);
}

/** Python's repr() of a float: shortest round-trip digits, exponent form below 1e-4 or from 1e16 on. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expStr] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return sign + placeDigits(digits, exp, Math.max(1, digits.length - exp - 1));
}

/** A finite non-negative double's exact decimal expansion: value = d0.d1d2… × 10^exp10. */
interface Decimal {
  digits: string;
  exp10: number;
}

function exactDecimal(x: number): Decimal {
  if (x === 0) return { digits: '0', exp10: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (biased === 0) exp2 = -1074;
  else {
    mantissa |= 1n << 52n;
    exp2 = biased - 1075;
  }
  let digits: string;
  let fractionDigits: number; // how many of `digits` lie after the decimal point
  if (exp2 >= 0) {
    digits = (mantissa << BigInt(exp2)).toString();
    fractionDigits = 0;
  } else {
    // m / 2^k = m·5^k / 10^k
    digits = (mantissa * 5n ** BigInt(-exp2)).toString();
    fractionDigits = -exp2;
  }
  const exp10 = digits.length - 1 - fractionDigits;
  return { digits: digits.replace(/0+$/, '') || '0', exp10 };
}

/**
 * Rounds to keep the digits whose place value is ≥ 10^place, ties to even.
 * Returns the kept digits (at least one) and the exponent of the first one.
 */
function roundAtPlace(d: Decimal, place: number): Decimal {
  const keep = d.exp10 - place + 1;
  if (keep < 0) return { digits: '0', exp10: place };
  const kept = d.digits.slice(0, keep).padEnd(keep, '0');
  const first = keep < d.digits.length ? d.digits.charCodeAt(keep) - 48 : 0;
  const restNonZero = /[1-9]/.test(d.digits.slice(keep + 1));
  const lastKept = keep > 0 ? kept.charCodeAt(keep - 1) - 48 : 0;
  const roundUp = first > 5 || (first === 5 && (restNonZero || lastKept % 2 === 1));
  if (!roundUp) return keep === 0 ? { digits: '0', exp10: place } : { digits: kept, exp10: d.exp10 };
  if (keep === 0) return { digits: '1', exp10: place };
  const bumped = (BigInt(kept) + 1n).toString();
  return bumped.length > keep ? { digits: bumped.slice(0, keep), exp10: d.exp10 + 1 } : { digits: bumped, exp10: d.exp10 };
}

/** Writes digits d0 d1 … (d0 at place 10^exp10) in fixed notation with `decimals` digits after the point. */
function placeDigits(digits: string, exp10: number, decimals: number): string {
  let intPart: string;
  let fracPart: string;
  if (exp10 >= 0) {
    const padded = digits.padEnd(exp10 + 1, '0');
    intPart = padded.slice(0, exp10 + 1);
    fracPart = padded.slice(exp10 + 1);
  } else {
    intPart = '0';
    fracPart = '0'.repeat(-exp10 - 1) + digits;
  }
  fracPart = fracPart.slice(0, decimals).padEnd(decimals, '0');
  return decimals > 0 ? `${intPart}.${fracPart}` : intPart;
}

function fixedBody(x: number, precision: number, alternate: boolean): string {
  const r = roundAtPlace(exactDecimal(x), -precision);
  const s = placeDigits(r.digits === '0' ? '0' : r.digits, r.digits === '0' ? 0 : r.exp10, precision);
  return alternate && precision === 0 ? `${s}.` : s;
}

function exponentSuffix(exp10: number): string {
  return `e${exp10 < 0 ? '-' : '+'}${String(Math.abs(exp10)).padStart(2, '0')}`;
}

function formatExponent(x: number, precision: number, alternate: boolean): string {
  if (x === 0) return (precision > 0 ? `0.${'0'.repeat(precision)}` : alternate ? '0.' : '0') + 'e+00';
  const d = exactDecimal(x);
  const r = roundAtPlace(d, d.exp10 - precision);
  const digits = r.digits.padEnd(precision + 1, '0');
  const mant = precision > 0 ? `${digits[0]}.${digits.slice(1)}` : alternate ? `${digits}.` : digits;
  return mant + exponentSuffix(r.exp10);
}

function formatGeneral(x: number, precision: number, alternate: boolean): string {
  const p = precision === 0 ? 1 : precision;
  let digits: string;
  let exp10: number;
  if (x === 0) {
    digits = '0';
    exp10 = 0;
  } else {
    const d = exactDecimal(x);
    const r = roundAtPlace(d, d.exp10 - p + 1);
    digits = r.digits.padEnd(p, '0');
    exp10 = r.exp10;
  }
  let mant: string;
  let suffix = '';
  if (exp10 >= -4 && exp10 < p) mant = placeDigits(digits, exp10, p - 1 - exp10);
  else {
    mant = p > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    suffix = exponentSuffix(exp10);
  }
  if (!alternate && mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
  else if (alternate && !mant.includes('.')) mant += '.';
  return mant + suffix;
}

/** Python's repr() of a str: single quotes unless the text holds ' and no ", escapes as CPython writes them. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/**
 * Python's repr() of plain values: None, booleans, numbers (integers as ints), strings, lists, and dicts — a Map
 * keeps its key types (`{0: 'person'}`), a plain object has string keys.
 */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number' || typeof v === 'bigint') return pyStr(v);
  if (typeof v === 'string') return pyStrRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  const entries = v instanceof Map ? [...v.entries()] : typeof v === 'object' ? Object.entries(v) : undefined;
  if (entries) return `{${entries.map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

/**
 * Reads back the repr of a dict of strings keyed by integers (`{0: 'person', 1: "it's"}`) or of a list of strings,
 * as a list indexed by key (gaps filled with the index as text). `what` names the text in errors.
 */
export function parsePyStrDict(text: string, what: string): string[] {
  const out: string[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${what} is not a Python dict or list of strings (${why}): ${text.slice(0, 80)}`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const str = (): string => {
    const q = text[i];
    if (q !== "'" && q !== '"') fail(`expected a quoted string at ${i}`);
    i++;
    let s = '';
    while (i < text.length && text[i] !== q) {
      if (text[i] === '\\') {
        const e = text[++i];
        const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"' };
        if (e === 'x') {
          s += String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16));
          i += 3;
          continue;
        }
        s += simple[e!] ?? '\\' + e;
        i++;
      } else s += text[i++];
    }
    if (text[i] !== q) fail('unterminated string');
    i++;
    return s;
  };
  ws();
  const open = text[i];
  if (open !== '{' && open !== '[') fail('expected { or [');
  const close = open === '{' ? '}' : ']';
  i++;
  ws();
  let index = 0;
  while (text[i] !== close) {
    let key = index;
    if (open === '{') {
      const m = /^-?\d+/.exec(text.slice(i));
      if (!m) fail(`expected an integer key at ${i}`);
      key = Number(m![0]);
      i += m![0].length;
      ws();
      if (text[i] !== ':') fail(`expected ':' at ${i}`);
      i++;
      ws();
    }
    out[key] = str();
    index++;
    ws();
    if (text[i] === ',') {
      i++;
      ws();
    } else if (text[i] !== close) fail(`expected ',' or '${close}' at ${i}`);
  }
  for (let k = 0; k < out.length; k++) out[k] ??= String(k);
  return out;
}
