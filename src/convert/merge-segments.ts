// A multi-part COCO polygon joined into one outline as ultralytics/JSON2YOLO's merge_multi_segment joins it: each
// pair of neighbouring parts is linked at its closest pair of points, and the parts are walked forward then back
// along those links, so the result is one polygon with thin zero-width bridges. Kept step for step (including
// which parts it reverses and the points it repeats), because YOLO segment labels made by it are what users compare.

/** A polygon as [x, y] points. */
export type Points = Array<[number, number]>;

/** The first (row-major) pair (i, j) minimising the squared distance between a[i] and b[j] (numpy's argmin). */
function closestPair(a: Points, b: Points): [number, number] {
  let best = Infinity;
  let at: [number, number] = [0, 0];
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const dx = a[i]![0] - b[j]![0];
      const dy = a[i]![1] - b[j]![1];
      const d = dx * dx + dy * dy;
      if (d < best || (Number.isNaN(d) && !Number.isNaN(best))) {
        best = d;
        at = [i, j];
      }
    }
  }
  return at;
}

/** numpy.roll(points, -shift, axis=0): the point at `shift` first. */
function rollLeft(points: Points, shift: number): Points {
  const n = points.length;
  const k = ((shift % n) + n) % n;
  return [...points.slice(k), ...points.slice(0, k)];
}

/**
 * Joins polygon parts (at least two, each with at least one point) into the point list JSON2YOLO's
 * merge_multi_segment returns, concatenated.
 */
export function mergeMultiSegment(parts: Points[]): Points {
  const segments = parts.map((p) => p.slice());
  const idxList: number[][] = segments.map(() => []);
  for (let i = 1; i < segments.length; i++) {
    const [i1, i2] = closestPair(segments[i - 1]!, segments[i]!);
    idxList[i - 1]!.push(i1);
    idxList[i]!.push(i2);
  }
  const out: Points[] = [];
  const last = idxList.length - 1;
  // forward: every part rotated to start at its first link point and closed; middle parts only up to the second link
  for (let i = 0; i < idxList.length; i++) {
    let idx = idxList[i]!;
    if (idx.length === 2 && idx[0]! > idx[1]!) {
      idx = [idx[1]!, idx[0]!];
      segments[i] = segments[i]!.slice().reverse();
    }
    const rolled = rollLeft(segments[i]!, idx[0]!);
    segments[i] = [...rolled, rolled[0]!];
    if (i === 0 || i === last) out.push(segments[i]!);
    else out.push(segments[i]!.slice(0, idx[1]! - idx[0]! + 1));
  }
  // back: the rest of each middle part, last to first
  for (let i = last; i >= 0; i--) {
    if (i !== 0 && i !== last) {
      const idx = idxList[i]!;
      out.push(segments[i]!.slice(Math.abs(idx[1]! - idx[0]!)));
    }
  }
  return out.flat();
}
