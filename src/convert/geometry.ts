// Shared by the converters: label lines in '%g' (the reference converters' number format) and the check that keeps
// boxes and polygons inside the image.
import { pyFormat } from '../compat/python.ts';

/**
 * Python's `'%g' % x`, fast: V8's toExponential is correctly rounded except on exact ties, where it rounds up and
 * Python to even, so a value whose 7th significant digit is a 5 goes through the exact (BigInt) pyFormat.
 */
export function formatG(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return pyFormat('%g', x);
  const a = Math.abs(x);
  if (a.toExponential(6).charCodeAt(7) === 53) return pyFormat('%g', x);
  const [mant, e] = a.toExponential(5).split('e') as [string, string];
  const exp = Number(e);
  const digits = mant.replace('.', '').replace(/0+$/, '');
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= 6) {
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${int}${frac ? `.${frac}` : ''}`;
}

/** A label line as `("%g " * n).rstrip() % values` writes it. */
export function gLine(values: readonly number[]): string {
  return values.map(formatG).join(' ');
}

/** A number for a message: as JSON would write it. */
export function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(10)));
}

/** A pixel box clipped to a `w`×`h` image, or null when nothing of it is inside. */
export function clipBox(x1: number, y1: number, x2: number, y2: number, w: number, h: number): [number, number, number, number] | null {
  const c: [number, number, number, number] = [Math.max(0, x1), Math.max(0, y1), Math.min(w, x2), Math.min(h, y2)];
  return c[2] > c[0] && c[3] > c[1] ? c : null;
}

/** Whether the pixel box reaches outside a `w`×`h` image. */
export function boxOutside(x1: number, y1: number, x2: number, y2: number, w: number, h: number): boolean {
  return x1 < 0 || y1 < 0 || x2 > w || y2 > h;
}

/** Normalised polygon coordinates (x, y, x, y, …) clipped to [0, 1]; `clipped` tells whether any was outside. */
export function clipNormalized(xy: number[]): { xy: number[]; clipped: boolean } {
  let clipped = false;
  const out = xy.map((v) => {
    if (v < 0 || v > 1) clipped = true;
    return Math.min(1, Math.max(0, v));
  });
  return { xy: out, clipped };
}

/** Python's Path(p).with_suffix('.txt') on the last part of a '/'-separated path. */
export function withTxtSuffix(path: string): string {
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 && dot < name.length - 1 ? name.slice(0, dot) : name;
  return `${path.slice(0, slash + 1)}${stem}.txt`;
}
