// NumPy's default argsort (kind='quicksort': an introsort that is not stable), reproduced step by step.
// YOLOv5's matching sorts IoU values with it and then keeps first occurrences, so among equal IoUs (frequent in
// val-mode output, where one box appears once per class) the winner is whatever this algorithm leaves first.
// This is NumPy 1.x's scalar aquicksort for floats (insertion sort up to 16 elements, median-of-3 partitions,
// heapsort past a depth limit); NaN sorts last.

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
