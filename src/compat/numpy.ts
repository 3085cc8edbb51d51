// NumPy semantics YOLOv5's metrics depend on, reproduced operation by operation. Browser-safe.
//
// argsort: NumPy's default (kind='quicksort': an introsort that is not stable), step by step. YOLOv5's matching
// sorts IoU values with it and then keeps first occurrences, so among equal IoUs (frequent in val-mode output,
// where one box appears once per class) the winner is whatever this algorithm leaves first. This is NumPy 1.x's
// scalar aquicksort for floats (insertion sort up to 16 elements, median-of-3 partitions, heapsort past a depth
// limit); NaN sorts last.

const SMALL_QUICKSORT = 15;

function less(a: number, b: number): boolean {
  return a < b || (b !== b && a === a);
}

/** Indices that sort `v` ascending, in exactly the order `np.argsort(v)` returns them. */
export function numpyArgsort(v: ArrayLike<number>): Int32Array {
  const num = v.length;
  const idx = new Int32Array(num);
  for (let i = 0; i < num; i++) idx[i] = i;
  if (num < 2) return idx;
  const stack: number[] = [];
  const depthStack: number[] = [];
  let depth = 0;
  for (let u = num; u > 1; u = Math.floor(u / 2)) depth++;
  depth *= 2;
  let pl = 0;
  let pr = num - 1;
  const swap = (a: number, b: number): void => {
    const t = idx[a]!;
    idx[a] = idx[b]!;
    idx[b] = t;
  };
  for (;;) {
    if (depth < 0) {
      heapsortRange(v, idx, pl, pr - pl + 1);
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (less(v[idx[pm]!]!, v[idx[pl]!]!)) swap(pm, pl);
        if (less(v[idx[pr]!]!, v[idx[pm]!]!)) swap(pr, pm);
        if (less(v[idx[pm]!]!, v[idx[pl]!]!)) swap(pm, pl);
        const vp = v[idx[pm]!]!;
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do pi++;
          while (less(v[idx[pi]!]!, vp));
          do pj--;
          while (less(vp, v[idx[pj]!]!));
          if (pi >= pj) break;
          swap(pi, pj);
        }
        swap(pi, pr - 1);
        // Continue with the smaller side; the larger waits on the stack.
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depthStack.push(--depth);
      }
      for (let pi = pl + 1; pi <= pr; pi++) {
        const vi = idx[pi]!;
        const val = v[vi]!;
        let pj = pi;
        while (pj > pl && less(val, v[idx[pj - 1]!]!)) {
          idx[pj] = idx[pj - 1]!;
          pj--;
        }
        idx[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    depth = depthStack.pop()!;
  }
  return idx;
}

/** NumPy's aheapsort on idx[start .. start + n). */
function heapsortRange(v: ArrayLike<number>, idx: Int32Array, start: number, n: number): void {
  // 1-based heap positions, as NumPy writes it: a[k] is idx[start + k - 1].
  const get = (k: number): number => idx[start + k - 1]!;
  const set = (k: number, value: number): void => {
    idx[start + k - 1] = value;
  };
  const siftDown = (top: number, tmp: number, size: number): void => {
    let i = top;
    let j = top << 1;
    while (j <= size) {
      if (j < size && less(v[get(j)]!, v[get(j + 1)]!)) j++;
      if (less(v[tmp]!, v[get(j)]!)) {
        set(i, get(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  };
  for (let l = n >> 1; l > 0; l--) siftDown(l, get(l), n);
  for (let size = n; size > 1; ) {
    const tmp = get(size);
    set(size, get(1));
    size--;
    siftDown(1, tmp, size);
  }
}

/** `np.unique(a, return_index=True)[1]`: index of the first occurrence of each distinct value, by value. */
export function firstOccurrences(a: ArrayLike<number>): number[] {
  // Small non-negative integers (the row indices YOLOv5 deduplicates) take a direct table instead of a Map.
  let max = -1;
  let integral = true;
  for (let i = 0; i < a.length && integral; i++) {
    const v = a[i]!;
    if (Number.isInteger(v) && v >= 0 && v < 1 << 20) max = Math.max(max, v);
    else integral = false;
  }
  if (integral) {
    const first = new Int32Array(max + 1).fill(-1);
    for (let i = 0; i < a.length; i++) if (first[a[i]!] === -1) first[a[i]!] = i;
    const out: number[] = [];
    for (const i of first) if (i >= 0) out.push(i);
    return out;
  }
  const first = new Map<number, number>();
  for (let i = 0; i < a.length; i++) if (!first.has(a[i]!)) first.set(a[i]!, i);
  return [...first.entries()].sort((x, y) => x[0] - y[0]).map((e) => e[1]);
}

/** Index of the first maximum (NaN counts as the maximum, as in NumPy). */
export function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v !== v) return i;
    if (v > a[best]!) best = i;
  }
  return best;
}

/** `np.linspace(start, stop, num)`: i·step + start, with the last value set to stop exactly. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/**
 * `np.interp(x, xp, fp, left, right)` for increasing xp: for each x, the last xp[j] ≤ x gives the segment; an x equal
 * to xp[j] takes fp[j] (with repeated xp values, the last of them); outside, left/right (default fp[0]/fp[-1]).
 */
export function interp(
  x: ArrayLike<number>,
  xp: ArrayLike<number>,
  fp: ArrayLike<number>,
  left?: number,
  right?: number,
): Float64Array {
  const n = xp.length;
  if (n === 0) throw new Error('interp: xp is empty');
  if (fp.length !== n) throw new Error(`interp: xp has ${n} values but fp has ${fp.length}`);
  const lval = left ?? fp[0]!;
  const rval = right ?? fp[n - 1]!;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v !== v) {
      out[i] = v;
      continue;
    }
    if (v < xp[0]!) {
      out[i] = lval;
      continue;
    }
    if (v > xp[n - 1]!) {
      out[i] = rval;
      continue;
    }
    // Largest j with xp[j] <= v.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v >= xp[mid]!) lo = mid + 1;
      else hi = mid;
    }
    const j = lo - 1;
    if (j === n - 1 || xp[j] === v) {
      out[i] = fp[j]!;
      continue;
    }
    const slope = (fp[j + 1]! - fp[j]!) / (xp[j + 1]! - xp[j]!);
    let res = slope * (v - xp[j]!) + fp[j]!;
    if (res !== res) {
      res = slope * (v - xp[j + 1]!) + fp[j + 1]!;
      if (res !== res && fp[j] === fp[j + 1]) res = fp[j]!;
    }
    out[i] = res;
  }
  return out;
}

/** `np.trapz(y, x)`: Σ (x[i+1] − x[i])·(y[i+1] + y[i]) / 2, summed in NumPy's pairwise order. */
export function trapz(y: ArrayLike<number>, x: ArrayLike<number>): number {
  const n = y.length;
  if (x.length !== n) throw new Error(`trapz: y has ${n} values but x has ${x.length}`);
  if (n < 2) return 0;
  const terms = new Float64Array(n - 1);
  for (let i = 0; i < n - 1; i++) terms[i] = ((x[i + 1]! - x[i]!) * (y[i + 1]! + y[i]!)) / 2;
  return numpySum(terms);
}

/** `np.sum` of a contiguous float64 array: NumPy's pairwise summation (8 partial sums, blocks of 128). */
export function numpySum(a: Float64Array, start = 0, n = a.length): number {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[start + i]!;
    return s;
  }
  if (n <= 128) {
    const r = [a[start]!, a[start + 1]!, a[start + 2]!, a[start + 3]!, a[start + 4]!, a[start + 5]!, a[start + 6]!, a[start + 7]!];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let k = 0; k < 8; k++) r[k] += a[start + i + k]!;
    let s = (r[0]! + r[1]! + (r[2]! + r[3]!)) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) s += a[start + i]!;
    return s;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return numpySum(a, start, half) + numpySum(a, start + half, n - half);
}
