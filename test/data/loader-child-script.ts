// Child process for loader.test.ts: runs a 2-worker loader over the images in argv[3] and exits in the way
// argv[2] asks, so the parent can check that no worker keeps the process alive.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLoader } from '../../src/data/loader.ts';

const [mode, dir] = process.argv.slice(2) as [string, string];
const files = readdirSync(dir).filter((f) => /^im\d+\.png$/.test(f)).sort().map((f) => join(dir, f));
const source = {
  imFiles: files,
  labels: files.map(() => Float32Array.of(0, 0.5, 0.5, 0.4, 0.4)),
  shapes: files.map(() => [64, 48] as [number, number]),
};
const loader = createLoader({ source, imgSize: 64, augment: true, batchSize: 2, workers: 2, seed: 1, shuffle: true });

if (mode === 'break') {
  for await (const batch of loader) {
    process.stdout.write(`batch ${batch.shape.join('x')}\n`);
    break; // no close(): idle workers must not hold the process
  }
} else if (mode === 'close') {
  let n = 0;
  for await (const _ of loader) n++;
  await loader.close();
  process.stdout.write(`batches ${n}\n`);
} else if (mode === 'sigint') {
  process.stdout.write('running\n');
  for (let epoch = 0; ; epoch++) {
    loader.setEpoch(epoch);
    for await (const _ of loader) {
      // keep the workers busy until the parent interrupts
    }
  }
}
