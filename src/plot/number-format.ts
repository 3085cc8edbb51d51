// Python-compatible fixed-point formatting for the numbers printed on plots ("person 0.88", "0.512 mAP@0.5").
// JavaScript's toFixed rounds exact binary ties (0.125, 0.375, ...) up, Python's format() rounds them to even.

/** Python's f"{x:.{digits}f}". */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const scale = 10 ** digits;
  // A value halfway between two outputs is exactly q / 2^(digits+1) with q odd after scaling: test exactly.
  const isTie = Number.isInteger(x * 2 ** (digits + 1)) && !Number.isInteger(x * scale);
  if (!isTie) return x.toFixed(digits);
  const lower = Math.floor(x * scale);
  const even = lower % 2 === 0 ? lower : lower + 1;
  return (even / scale).toFixed(digits);
}
