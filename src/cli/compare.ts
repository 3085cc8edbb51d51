// `tsyolo compare A.yaml B.yaml …`: parameters and GFLOPs side by side, change against the first.
import { padEnd, padStart } from '../compat/python-repr.ts';
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
  const header = `${padEnd('Model', 32)}${padStart('layers', 8)}${padStart('parameters', 13)}${padStart(`GFLOPs@${img}`, 12)}${padStart('Δparams', 10)}${padStart('ΔGFLOPs', 10)}`;
  const lines = [header];
  for (const r of rows) {
    lines.push(
      `${padEnd(r.config, 32)}${padStart(String(r.layers), 8)}${padStart(String(r.parameters), 13)}${padStart(r.gflops.toFixed(1), 12)}` +
        `${padStart(r === base ? '' : change(r.parameters, base.parameters), 10)}${padStart(r === base ? '' : change(r.gflops, base.gflops), 10)}`,
    );
  }
  return lines.join('\n');
}
