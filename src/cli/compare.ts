// `tsyolo compare A.yaml B.yaml …`: parameters and GFLOPs side by side, change against the first.
import { loadModel } from '../yolo/load-model.ts';
import { summarize, type ModelSummary } from '../yolo/model-info.ts';

export function compareModels(configs: string[], img: number): Array<ModelSummary & { config: string }> {
  return configs.map((c) => {
    const { model } = loadModel(c);
    const s = summarize(model, img);
    model.dispose();
    return { ...s, config: c };
  });
}

function change(x: number, base: number): string {
  const pct = ((x - base) / base) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

export function formatComparison(rows: Array<ModelSummary & { config: string }>, img: number): string {
  const base = rows[0]!;
  const header = `${'Model'.padEnd(32)}${'layers'.padStart(8)}${'parameters'.padStart(13)}${`GFLOPs@${img}`.padStart(12)}${'Δparams'.padStart(10)}${'ΔGFLOPs'.padStart(10)}`;
  const lines = [header];
  for (const r of rows) {
    lines.push(
      `${r.config.padEnd(32)}${String(r.layers).padStart(8)}${String(r.parameters).padStart(13)}${r.gflops.toFixed(1).padStart(12)}` +
        `${(r === base ? '' : change(r.parameters, base.parameters)).padStart(10)}${(r === base ? '' : change(r.gflops, base.gflops)).padStart(10)}`,
    );
  }
  return lines.join('\n');
}
