// YOLOv5 v7.0's --image-weights: class weights from the training labels (labels_to_class_weights), per-image
// weights from each image's class counts (labels_to_image_weights), and each epoch's weighted draw of the
// dataset's images (`dataset.indices = random.choices(range(n), weights=iw, k=n)`) with Python's generator.
// The dtypes follow v7.0's: the class weights are a float32 tensor, the epoch's weights float64 NumPy arrays.
import { numpySum } from '../compat/numpy.ts';
import { PythonRandom } from '../compat/python-random.ts';

/** Per image, the number of labels of each class (np.bincount(labels[:, 0].astype(int), minlength=nc)). */
function classCounts(labels: Float32Array, nc: number, image: number): Float64Array {
  const counts = new Float64Array(nc);
  for (let r = 0; r < labels.length; r += 5) {
    const c = Math.trunc(labels[r]!);
    if (!(c >= 0 && c < nc)) throw new Error(`image weights: image ${image} has class ${labels[r]}, outside 0…${nc - 1}`);
    counts[c]!++;
  }
  return counts;
}

/**
 * labels_to_class_weights(labels, nc): inverse class frequencies over all labels (a class without labels counts
 * as 1), normalised to sum 1, as float32. `labels` are per image n×5 (cls, cx, cy, w, h).
 */
export function labelsToClassWeights(labels: readonly Float32Array[], nc: number): Float32Array {
  const counts = new Float64Array(nc);
  labels.forEach((l, i) => classCounts(l, nc, i).forEach((v, c) => (counts[c]! += v)));
  const w = Float64Array.from(counts, (v) => 1 / (v === 0 ? 1 : v));
  const total = numpySum(w);
  return Float32Array.from(w, (v) => v / total);
}

/** train.py's `model.class_weights`: labels_to_class_weights(dataset.labels, nc) · nc, a float32 tensor. */
export function modelClassWeights(labels: readonly Float32Array[], nc: number): Float32Array {
  return Float32Array.from(labelsToClassWeights(labels, nc), (v) => Math.fround(v * nc));
}

/** An epoch's class weights: `model.class_weights · (1 − maps)² / nc` (maps: last validation's per-class mAP). */
export function epochClassWeights(classWeights: Float32Array, maps: ArrayLike<number>, nc: number): Float64Array {
  if (classWeights.length !== nc || maps.length !== nc) throw new Error(`image weights: ${classWeights.length} class weights and ${maps.length} maps for nc=${nc}`);
  return Float64Array.from(classWeights, (w, c) => {
    const m = 1 - maps[c]!;
    return (w * (m * m)) / nc;
  });
}

/** labels_to_image_weights(labels, nc, class_weights): per image Σ_c class_weights[c] · count of class c. */
export function labelsToImageWeights(labels: readonly Float32Array[], nc: number, classWeights: ArrayLike<number>): Float64Array {
  if (classWeights.length !== nc) throw new Error(`image weights: ${classWeights.length} class weights for nc=${nc}`);
  const row = new Float64Array(nc);
  return Float64Array.from(labels, (l, i) => {
    const counts = classCounts(l, nc, i);
    for (let c = 0; c < nc; c++) row[c] = classWeights[c]! * counts[c]!;
    return numpySum(row);
  });
}

/** `random.choices(range(n), weights=imageWeights, k=n)`: the images of one epoch (images without labels never). */
export function sampleImageIndices(rng: PythonRandom, imageWeights: ArrayLike<number>): number[] {
  const n = imageWeights.length;
  return rng.choices(Array.from({ length: n }, (_, i) => i), n, imageWeights);
}

/**
 * The trainer's --image-weights state: the model's class weights from the training labels, and each epoch's draw
 * from the last validation's per-class mAP (all zeros before the first validation, as train.py's `maps`).
 */
export class ImageWeightSampler {
  /** `model.class_weights` (float32). */
  readonly classWeights: Float32Array;
  private readonly rng: PythonRandom;

  /** `seed` seeds the Python generator the draws come from (train.py: init_seeds(opt.seed + 1 + RANK), RANK −1). */
  constructor(
    private readonly labels: readonly Float32Array[],
    readonly nc: number,
    seed: number,
  ) {
    this.classWeights = modelClassWeights(labels, nc);
    this.rng = new PythonRandom(seed);
  }

  /** The dataset positions of the next epoch (`dataset.indices`). */
  epochIndices(maps: ArrayLike<number>): number[] {
    const cw = epochClassWeights(this.classWeights, maps, this.nc);
    const iw = labelsToImageWeights(this.labels, this.nc, cw);
    if (!(numpySum(iw) > 0)) {
      throw new Error('--image-weights: every image weighs 0 (no labels, or every labelled class already at mAP 1), so none can be drawn: Total of weights must be greater than zero');
    }
    return sampleImageIndices(this.rng, iw);
  }
}
