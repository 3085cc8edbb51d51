// `compare --speed`: every entry's fused model on libtorch and on onnxruntime-node (its ONNX export), all of them
// timed together by the shared engine (src/speed/interleave.ts) — warm-up, then round-robin in a shuffled order,
// never the same model twice in a row — so an entry's place in the list cannot change its latency.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../deploy/backend.ts';
import { libtorchBackend } from '../deploy/libtorch-backend.ts';
import { exportOnnx } from '../export/export-onnx.ts';
import { measureInterleaved } from '../speed/interleave.ts';
import { syntheticBatch } from '../speed/speed-inputs.ts';
import { loadOnnxForTiming } from '../speed/speed-models.ts';
import { sampleStats, type SampleStats } from '../speed/stats.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';

/** One entry's inference latency (ms per image, batch 1) on each runtime. */
export interface EntryLatency {
  /** Fused libtorch eval. */
  torch: SampleStats;
  /** onnxruntime-node on the fused ONNX export. */
  onnx: SampleStats;
}

/**
 * Times the fused, eval-mode `models` (batch 1, synthetic pixels at img × img) on libtorch and on onnxruntime-node
 * with `threads` intra-op threads (not spinning), all interleaved: the inference stage of each run (forward pass, output to host).
 * The models stay the caller's to dispose.
 */
export async function measureEntryLatencies(models: readonly DetectionModel[], img: number, o: { warmup: number; runs: number; threads: number }): Promise<EntryLatency[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-compare-'));
  const sessions: Backend[] = [];
  try {
    const torch = models.map((m) => libtorchBackend(m));
    for (const [i, m] of models.entries()) {
      const file = join(dir, `model${i}.onnx`);
      writeFileSync(file, exportOnnx(m, { imgsz: img, batch: 1 }).bytes);
      sessions.push(await loadOnnxForTiming(file, o.threads));
    }
    const subjects = [...torch, ...sessions].map((backend, i) => {
      const batch = syntheticBatch(1, img, img, models[i % models.length]!.inputChannels);
      return { backend, input: batch.input, shape: batch.shape };
    });
    const samples = await measureInterleaved(subjects, { warmup: o.warmup, runs: o.runs });
    return models.map((_, i) => ({ torch: sampleStats(samples[i]!.inference), onnx: sampleStats(samples[models.length + i]!.inference) }));
  } finally {
    for (const s of sessions) await s.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
