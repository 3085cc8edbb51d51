// Colour data shared by the plots: Ultralytics' class palette, matplotlib's default line cycle and the
// colour maps used by the heat maps.

export type RGB = readonly [number, number, number];

/** Ultralytics' 20-colour class palette (YOLOv5 utils/plots.py `Colors`), in palette order. */
export const ULTRALYTICS_PALETTE_HEX = [
  'FF3838', 'FF9D97', 'FF701F', 'FFB21D', 'CFD231', '48F90A', '92CC17', '3DDB86', '1A9334', '00D4BB',
  '2C99A8', '00C2FF', '344593', '6473FF', '0018EC', '8438FF', '520085', 'CB38FF', 'FF95C8', 'FF37C7',
] as const;

/** matplotlib's default property cycle ('tab10'), used for per-class curve lines as YOLOv5 gets them. */
export const TAB10_HEX = [
  '1f77b4', 'ff7f0e', '2ca02c', 'd62728', '9467bd', '8c564b', 'e377c2', '7f7f7f', 'bcbd22', '17becf',
] as const;

export function hexToRgb(hex: string): RGB {
  const h = hex.startsWith('#') ? hex.slice(1) : hex;
  if (!/^[0-9a-fA-F]{6}$/.test(h)) throw new Error(`Not a 6-digit hex colour: '${hex}'`);
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

const PALETTE: readonly RGB[] = ULTRALYTICS_PALETTE_HEX.map(hexToRgb);
const TAB10: readonly RGB[] = TAB10_HEX.map(hexToRgb);

/** Colour of class i, cycling through the 20-colour palette (YOLOv5 `colors(i)`, RGB order). */
export function classColor(i: number): [number, number, number] {
  if (!Number.isFinite(i)) throw new Error(`classColor: class index must be a finite number, got ${i}`);
  const n = PALETTE.length;
  const c = PALETTE[((Math.trunc(i) % n) + n) % n]!;
  return [c[0], c[1], c[2]];
}

/** i-th colour of matplotlib's default cycle. */
export function cycleColor(i: number): RGB {
  return TAB10[i % TAB10.length]!;
}

/** ITU-R BT.601 luma, 0..255: decides between light and dark text on a filled background. */
export function luma(c: RGB): number {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}

export function cssColor(c: RGB, alpha = 1): string {
  return alpha >= 1 ? `rgb(${c[0]},${c[1]},${c[2]})` : `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;
}

/** A colour map: t in [0, 1] → RGB, linear between evenly spaced stops. */
export type Colormap = (t: number) => RGB;

export function linearColormap(stopsHex: readonly string[]): Colormap {
  const stops = stopsHex.map(hexToRgb);
  return (t: number): RGB => {
    const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(x));
    const f = x - i;
    const a = stops[i]!, b = stops[i + 1]!;
    return [
      Math.round(a[0] + (b[0] - a[0]) * f),
      Math.round(a[1] + (b[1] - a[1]) * f),
      Math.round(a[2] + (b[2] - a[2]) * f),
    ];
  };
}

/** ColorBrewer 'Blues' (9 classes), the map of matplotlib's 'Blues' used by the confusion matrix. */
export const blues: Colormap = linearColormap([
  'f7fbff', 'deebf7', 'c6dbef', '9ecae1', '6baed6', '4292c6', '2171b5', '08519c', '08306b',
]);

