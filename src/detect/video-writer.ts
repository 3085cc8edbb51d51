// detect.py's annotated video: RGB frames piped to ffmpeg, encoded as MPEG-4 Part 2 (OpenCV's 'mp4v') at the
// source's frame rate. Written under a temporary name and renamed when complete, so an interrupted run never
// leaves a half-written .mp4 under the final name.
import { renameSync, rmSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import type { Writable } from 'node:stream';
import { exitOf, spawnFfmpegTool } from '../data/ffmpeg.ts';

export class VideoWriter {
  readonly path: string;
  readonly #partial: string;
  readonly #stdin: Writable;
  readonly #exit: Promise<{ code: number | null; stderr: string }>;
  readonly #frameBytes: number;

  private constructor(path: string, partial: string, stdin: Writable, exit: Promise<{ code: number | null; stderr: string }>, frameBytes: number) {
    this.path = path;
    this.#partial = partial;
    this.#stdin = stdin;
    this.#exit = exit;
    this.#frameBytes = frameBytes;
  }

  static async open(path: string, width: number, height: number, fps: number): Promise<VideoWriter> {
    const partial = join(dirname(path), `.${basename(path)}.partial.mp4`);
    // yuv420p needs even sizes: odd ones get one padding row/column.
    const args = ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', '-', '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-c:v', 'mpeg4', '-q:v', '3', '-pix_fmt', 'yuv420p', partial];
    const { proc, started } = spawnFfmpegTool('ffmpeg', args, 'pipe');
    const exit = exitOf(proc);
    await started;
    return new VideoWriter(path, partial, proc.stdin!, exit, width * height * 3);
  }

  /** Appends one RGB frame (waits while ffmpeg's pipe is full). */
  async write(rgb: Uint8Array): Promise<void> {
    if (rgb.length !== this.#frameBytes) throw new Error(`${this.path}: frame of ${rgb.length} bytes, expected ${this.#frameBytes}`);
    if (this.#stdin.write(rgb)) return;
    // Both listeners go when either fires: one left per full pipe would pile up over a long video.
    await new Promise<void>((resolve, reject) => {
      const drained = () => {
        this.#stdin.off('error', failed);
        resolve();
      };
      const failed = (e: Error) => {
        this.#stdin.off('drain', drained);
        reject(e);
      };
      this.#stdin.once('drain', drained);
      this.#stdin.once('error', failed);
    });
  }

  /** Finishes the file and gives it its final name; on failure removes the partial file. */
  async close(): Promise<void> {
    this.#stdin.end();
    const { code, stderr } = await this.#exit;
    if (code !== 0) {
      rmSync(this.#partial, { force: true });
      throw new Error(`${this.path}: ffmpeg could not write the video (${stderr.split('\n')[0] || `exit ${code}`})`);
    }
    renameSync(this.#partial, this.path);
  }

  /** Stops without a file (the run failed). */
  async abort(): Promise<void> {
    this.#stdin.destroy();
    await this.#exit;
    rmSync(this.#partial, { force: true });
  }
}
