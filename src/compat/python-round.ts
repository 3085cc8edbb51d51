// Python's numeric semantics that YOLOv5's arithmetic depends on.

/** Python's round(): halves go to the even neighbour (YOLOv5 relies on it in letterbox and depth scaling). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
