// Binary-mask helpers of the segmentation tests: the fixtures' '0'/'1' strings and the IoU of two masks.

/** A fixture's packed mask ('0'/'1' per pixel, row-major) as 0/1 bytes. */
export const unpackMask = (s: string): Uint8Array => Uint8Array.from(s, (c) => (c === '1' ? 1 : 0));

/** Intersection over union of two 0/1 masks of the same size (1 when both are empty). */
export function binaryMaskIou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i]! & b[i]!;
    union += a[i]! | b[i]!;
  }
  return union === 0 ? 1 : inter / union;
}
