// `tsyolo data digits --task classify`: the bundled MNIST digits (the `mnist` package's samples, as the detection
// scenes use) written as a 10-class ImageNet-style folder dataset, train/<digit>/*.png and val/<digit>/*.png, at
// MNIST's 28×28 (white ink on black, 3 channels). Training and validation draw from disjoint samples; by seed.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { makeDirs, writeFileAtomic } from '../io/atomic-write.ts';
import { SeededRandom } from '../data/seeded-random.ts';
import { loadDigitBank } from '../data/digits.ts';

/** Options of generateDigitFolders(). */
export interface DigitFoldersOptions {
  /** Output folder (train/ and val/ are replaced). */
  out: string;
  /** Training images in all (split evenly over the 10 classes; default 200). */
  train?: number;
  /** Validation images in all (default 50). */
  val?: number;
  /** Seed of the sample choice (default 0). */
  seed?: number;
}

/** Writes the folder dataset; returns its folder and the images per split. */
export async function generateDigitFolders(o: DigitFoldersOptions): Promise<{
  /** The dataset folder. */
  out: string;
  /** Training images written. */
  train: number;
  /** Validation images written. */
  val: number;
}> {
  const out = resolve(o.out);
  const counts = { train: o.train ?? 200, val: o.val ?? 50 };
  for (const [k, v] of Object.entries(counts)) if (!Number.isInteger(v) || v < 10) throw new Error(`digits --task classify: --${k} must be at least 10 (one image per class), got ${v}`);
  const bank = loadDigitBank();
  const side = 28;
  for (const split of ['train', 'val'] as const) {
    rmSync(join(out, split), { recursive: true, force: true });
    const n = counts[split];
    const rng = new SeededRandom(o.seed ?? 0, split === 'train' ? 0 : 1);
    for (let d = 0; d < 10; d++) {
      const dir = join(out, split, String(d));
      makeDirs(dir);
      const per = Math.floor(n / 10) + (d < n % 10 ? 1 : 0);
      // disjoint samples: training from the first 80 % of the class, validation from the rest
      const total = bank.counts[d]!;
      const cut = Math.floor(total * 0.8);
      const [lo, hi] = split === 'train' ? [0, cut] : [cut, total];
      for (let k = 0; k < per; k++) {
        const s = lo + Math.floor(rng.random() * (hi - lo));
        const src = bank.samples[d]!.subarray(s * side * side, (s + 1) * side * side);
        const rgb = new Uint8Array(side * side * 3);
        for (let i = 0; i < side * side; i++) rgb.fill(Math.round(Math.min(1, Math.max(0, src[i]!)) * 255), i * 3, i * 3 + 3);
        const png = await sharp(rgb, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
        writeFileAtomic(join(dir, `${String(k).padStart(5, '0')}.png`), png);
      }
    }
  }
  return { out, ...counts };
}
