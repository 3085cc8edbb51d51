// Boxes and labels on a 2D canvas, in YOLOv5's look (class palette, filled label tag, white or black text).
import { DetectionRows } from '../src/geometry/rows.ts';
import { classColor, cssColor, luma } from '../src/plot/colors.ts';

export function drawDetections(ctx: CanvasRenderingContext2D, rows: Float32Array, names: readonly string[], lineWidth = 2): void {
  ctx.save();
  ctx.lineWidth = lineWidth;
  ctx.font = `${Math.max(12, lineWidth * 6)}px sans-serif`;
  ctx.textBaseline = 'top';
  const det = new DetectionRows(rows);
  for (let r = 0; r < det.length; r++) {
    const [x1, y1, cls] = [det.x1(r), det.y1(r), det.cls(r)];
    const color = classColor(cls);
    ctx.strokeStyle = cssColor(color);
    ctx.strokeRect(x1, y1, det.x2(r) - x1, det.y2(r) - y1);
    const label = `${names[cls] ?? cls} ${det.conf(r).toFixed(2)}`;
    const w = ctx.measureText(label).width + 4;
    const h = Math.max(12, lineWidth * 6) + 4;
    const ty = y1 - h >= 0 ? y1 - h : y1;
    ctx.fillStyle = cssColor(color);
    ctx.fillRect(x1, ty, w, h);
    ctx.fillStyle = luma(color) > 150 ? '#000' : '#fff';
    ctx.fillText(label, x1 + 2, ty + 2);
  }
  ctx.restore();
}
