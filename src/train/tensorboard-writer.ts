// TensorBoard event files as PyTorch's SummaryWriter writes them for YOLOv5 v7.0 (utils/loggers/__init__.py):
// `events.out.tfevents.<10-digit seconds>.<host>.<pid>.<n>` in the run folder, a TFRecord file (src/io/tfrecord.ts)
// of Event protos — first the `brain.Event:2` file version, then one Event per scalar (Summary.Value.simple_value, as
// add_scalar's default) or image (Summary.Image with the PNG bytes, as add_image). The Event/Summary schema subset is
// written out here as a protobufjs descriptor (TensorFlow's event.proto and summary.proto field numbers).
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, extname, join } from 'node:path';
import protobuf from 'protobufjs/light.js';
import sharp from 'sharp';
import { makeDirs } from '../io/atomic-write.ts';
import { encodeRecord } from '../io/tfrecord.ts';

const descriptor = {
  nested: {
    tensorboard: {
      nested: {
        Event: {
          fields: {
            wallTime: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            fileVersion: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 },
          },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Image: {
              fields: {
                height: { type: 'int32', id: 1 },
                width: { type: 'int32', id: 2 },
                colorspace: { type: 'int32', id: 3 },
                encodedImageString: { type: 'bytes', id: 4 },
              },
            },
            Value: {
              // A oneof, as in summary.proto: a member is written even when zero (a 0 precision stays a 0).
              oneofs: { value: { oneof: ['simpleValue', 'image'] } },
              fields: {
                tag: { type: 'string', id: 1 },
                simpleValue: { type: 'float', id: 2 },
                image: { type: 'Image', id: 4 },
              },
            },
          },
        },
      },
    },
  },
};

const Event = protobuf.Root.fromJSON(descriptor).lookupType('tensorboard.Event');

/** An encoded image for `addImage`: PNG (or JPEG) bytes with their size and channel count (3 = RGB, 4 = RGBA). */
export interface EncodedImage {
  bytes: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Where a writer's file goes and what its name says (defaults: now, this host, this process). */
export interface TensorBoardWriterOptions {
  /** Seconds since the epoch for the file name and each event's wall_time (default: the clock). */
  now?: () => number;
  host?: string;
  pid?: number;
}

/** Each writer in a process gets the next number, as tensorboard's EventFileWriter (`_global_uid`, from 0). */
let nextUid = 0;

/**
 * One event file in `logDir`, written as torch.utils.tensorboard's SummaryWriter does. Events are kept in memory until
 * `flush()`, which creates the file on its first call (so a run whose set-up fails leaves no event file) and appends
 * each record whole; `close()` flushes and closes it.
 */
export class TensorBoardWriter {
  readonly logDir: string;
  /** The event file's path (its name is fixed when the writer is made; the file exists after the first flush). */
  readonly file: string;
  readonly #now: () => number;
  #fd: number | undefined;
  #pending: Uint8Array[] = [];
  #closed = false;

  constructor(logDir: string, options: TensorBoardWriterOptions = {}) {
    this.logDir = logDir;
    this.#now = options.now ?? (() => Date.now() / 1000);
    const seconds = String(Math.floor(this.#now())).padStart(10, '0');
    this.file = join(logDir, `events.out.tfevents.${seconds}.${options.host ?? hostname()}.${options.pid ?? process.pid}.${nextUid++}`);
    this.#add({ wallTime: this.#now(), fileVersion: 'brain.Event:2' });
  }

  /** A scalar at `step` (add_scalar: Summary.Value.simple_value, a float32). */
  addScalar(tag: string, value: number, step: number): void {
    this.#add({ wallTime: this.#now(), step, summary: { value: [{ tag, simpleValue: value }] } });
  }

  /** Several scalars at one step, each its own event (as a loop of add_scalar calls). */
  addScalars(values: Iterable<readonly [string, number]>, step: number): void {
    for (const [tag, value] of values) this.addScalar(tag, value, step);
  }

  /** An already encoded image at `step` (add_image: Summary.Image; colorspace = channels). */
  addImage(tag: string, image: EncodedImage, step: number): void {
    const { bytes, width, height, channels } = image;
    this.#add({ wallTime: this.#now(), step, summary: { value: [{ tag, image: { height, width, colorspace: channels, encodedImageString: bytes } }] } });
  }

  /**
   * An image file (JPEG or PNG) at `step`, as YOLOv5 logs its plots: cv2.imread's three RGB channels (any alpha
   * dropped), re-encoded as PNG. The tag defaults to the file's stem (`results.png` → `results`).
   */
  async addImageFile(path: string, step: number, tag = basename(path, extname(path))): Promise<void> {
    const { data, info } = await sharp(path).removeAlpha().png().toBuffer({ resolveWithObject: true });
    this.addImage(tag, { bytes: data, width: info.width, height: info.height, channels: info.channels }, step);
  }

  /** Writes the pending events (creating the file on the first call) and syncs them to disk. */
  flush(): void {
    if (this.#pending.length === 0) return;
    if (this.#fd === undefined) {
      makeDirs(this.logDir);
      this.#fd = openSync(this.file, 'a');
    }
    for (const record of this.#pending) writeSync(this.#fd, record);
    this.#pending = [];
    fsyncSync(this.#fd);
  }

  /** Flushes and closes the file; later events are refused. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** Closes the file without writing the pending events (a failed run: the first epoch's end made no file yet). */
  abandon(): void {
    this.#pending = [];
    this.close();
  }

  #add(event: Record<string, unknown>): void {
    if (this.#closed) throw new Error(`TensorBoard writer for ${this.file} is closed`);
    this.#pending.push(encodeRecord(Event.encode(Event.fromObject(event)).finish()));
  }
}
