// Boxes and labels on a 2D canvas, in YOLOv5's look (class palette, filled label tag, white or black text).
import { classColor, cssColor, luma } from '../src/plot/colors.ts';

export function drawDetections(ctx: CanvasRenderingContext2D, rows: Float32Array, names: readonly string[], lineWidth = 2): void {
  ctx.save();
  ctx.lineWidth = lineWidth;
  ctx.font = `${Math.max(12, lineWidth * 6)}px sans-serif`;
  ctx.textBaseline = 'top';
  for (let r = 0; r < rows.length / 6; r++) {
    const [x1, y1, x2, y2, conf, cls] = rows.subarray(r * 6, r * 6 + 6) as unknown as number[];
    const color = classColor(cls!);
    ctx.strokeStyle = cssColor(color);
    ctx.strokeRect(x1!, y1!, x2! - x1!, y2! - y1!);
    const label = `${names[cls!] ?? cls} ${conf!.toFixed(2)}`;
    const w = ctx.measureText(label).width + 4;
    const h = Math.max(12, lineWidth * 6) + 4;
    const ty = y1! - h >= 0 ? y1! - h : y1!;
    ctx.fillStyle = cssColor(color);
    ctx.fillRect(x1!, ty, w, h);
    ctx.fillStyle = luma(color) > 150 ? '#000' : '#fff';
    ctx.fillText(label, x1! + 2, ty + 2);
  }
  ctx.restore();
}
