// YOLOv5's model fitness: 0.1·mAP@0.5 + 0.9·mAP@0.5:0.95 (P and R weigh nothing).
export function fitness(m: { P: number; R: number; mAP50: number; mAP50_95: number }): number {
  return 0.0 * m.P + 0.0 * m.R + 0.1 * m.mAP50 + 0.9 * m.mAP50_95;
}
