// Minimal zip archive reader: enough for torch.save's zip container (and any ordinary zip).
// torch.save stores its entries uncompressed, but deflated entries (from re-zipped files) are
// inflated with fflate. Entries are located through the central directory, as the format intends.

import { inflateSync } from 'fflate';

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_EOCD_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const EOCD_MIN_SIZE = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA_ID = 0x0001;

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, as zip uses). */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** True when the bytes start like a zip archive (a local file header). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export class ZipArchive {
  readonly entries: readonly ZipEntry[];
  private readonly byName: Map<string, ZipEntry>;

  constructor(
    private readonly bytes: Uint8Array,
    /** File name (or description) used in error messages. */
    readonly source: string = '<bytes>',
  ) {
    this.entries = readCentralDirectory(bytes, source);
    this.byName = new Map(this.entries.map((e) => [e.name, e]));
  }

  names(): string[] {
    return this.entries.map((e) => e.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The entry's uncompressed bytes (a view into the archive for stored entries). CRC-checked. */
  read(name: string): Uint8Array {
    const entry = this.byName.get(name);
    if (!entry) throw new Error(`${this.source}: zip archive has no entry '${name}'`);
    const data = this.extract(entry);
    if (crc32(data) !== entry.crc32) {
      throw new Error(`${this.source}: zip entry '${name}' is corrupt (CRC-32 mismatch)`);
    }
    return data;
  }

  private extract(entry: ZipEntry): Uint8Array {
    const { bytes, source } = this;
    const at = entry.localHeaderOffset;
    if (at + 30 > bytes.length) throw truncated(source, `local header of '${entry.name}'`);
    const view = viewOf(bytes);
    if (view.getUint32(at, true) !== LOCAL_HEADER_SIGNATURE) {
      throw new Error(`${source}: zip entry '${entry.name}' has no local header at offset ${at} (corrupt archive)`);
    }
    // The local header's name/extra lengths can differ from the central directory's copy.
    const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
    const end = start + entry.compressedSize;
    if (end > bytes.length) throw truncated(source, `data of '${entry.name}'`);
    const raw = bytes.subarray(start, end);
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.size) {
        throw new Error(`${source}: stored zip entry '${entry.name}' has mismatched sizes`);
      }
      return raw;
    }
    if (entry.method === 8) {
      let out: Uint8Array;
      try {
        out = inflateSync(raw, { out: new Uint8Array(entry.size) });
      } catch (err) {
        throw new Error(`${source}: cannot inflate zip entry '${entry.name}': ${(err as Error).message}`);
      }
      if (out.length !== entry.size) {
        throw new Error(`${source}: zip entry '${entry.name}' inflated to ${out.length} bytes, expected ${entry.size}`);
      }
      return out;
    }
    throw new Error(`${source}: zip entry '${entry.name}' uses unsupported compression method ${entry.method}`);
  }
}

/** Parses the archive's central directory (throws a clear Error when the bytes are not a complete zip). */
export function readZip(bytes: Uint8Array, source = '<bytes>'): ZipArchive {
  return new ZipArchive(bytes, source);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function truncated(source: string, what: string): Error {
  return new Error(`${source}: zip archive is truncated or corrupt (${what} runs past the end of the file)`);
}

function findEndOfCentralDirectory(bytes: Uint8Array, source: string): number {
  const view = viewOf(bytes);
  const lowest = Math.max(0, bytes.length - EOCD_MIN_SIZE - MAX_COMMENT);
  for (let at = bytes.length - EOCD_MIN_SIZE; at >= lowest; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) return at;
  }
  throw new Error(
    `${source}: not a zip archive, or it is truncated (no end-of-central-directory record found in ${bytes.length} bytes)`,
  );
}

function readCentralDirectory(bytes: Uint8Array, source: string): ZipEntry[] {
  if (bytes.length < EOCD_MIN_SIZE) {
    throw new Error(`${source}: not a zip archive (only ${bytes.length} bytes)`);
  }
  const view = viewOf(bytes);
  const eocd = findEndOfCentralDirectory(bytes, source);
  let count = view.getUint16(eocd + 10, true);
  let dirSize = view.getUint32(eocd + 12, true);
  let dirOffset = view.getUint32(eocd + 16, true);

  // Zip64: the classic record holds 0xffff/0xffffffff placeholders and a locator precedes it.
  const locator = eocd - 20;
  if (locator >= 0 && view.getUint32(locator, true) === ZIP64_EOCD_LOCATOR_SIGNATURE) {
    const zip64At = readUint64(view, locator + 8, source, 'zip64 record offset');
    if (zip64At + 56 > bytes.length || view.getUint32(zip64At, true) !== ZIP64_EOCD_SIGNATURE) {
      throw new Error(`${source}: zip64 end-of-central-directory record is missing or corrupt`);
    }
    count = readUint64(view, zip64At + 32, source, 'entry count');
    dirSize = readUint64(view, zip64At + 40, source, 'central directory size');
    dirOffset = readUint64(view, zip64At + 48, source, 'central directory offset');
  }
  if (dirOffset + dirSize > bytes.length) throw truncated(source, 'central directory');

  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder('utf-8');
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length) throw truncated(source, 'central directory');
    if (view.getUint32(at, true) !== CENTRAL_HEADER_SIGNATURE) {
      throw new Error(`${source}: corrupt zip central directory (bad signature for entry ${i} at offset ${at})`);
    }
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localHeaderOffset = view.getUint32(at + 42, true);
    const nameStart = at + 46;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > bytes.length) throw truncated(source, 'central directory');
    const name = decoder.decode(bytes.subarray(nameStart, extraStart));

    // Values that overflowed 32 bits live, in this order, in the zip64 extra field.
    if (size === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      let e = extraStart;
      const extraEnd = extraStart + extraLength;
      while (e + 4 <= extraEnd) {
        const id = view.getUint16(e, true);
        const len = view.getUint16(e + 2, true);
        if (id === ZIP64_EXTRA_ID) {
          let p = e + 4;
          if (size === 0xffffffff) (size = readUint64(view, p, source, 'entry size')), (p += 8);
          if (compressedSize === 0xffffffff) (compressedSize = readUint64(view, p, source, 'entry size')), (p += 8);
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = readUint64(view, p, source, 'entry offset');
          break;
        }
        e += 4 + len;
      }
    }
    entries.push({ name, method, compressedSize, size, crc32: crc, localHeaderOffset });
    at = next;
  }
  return entries;
}

function readUint64(view: DataView, at: number, source: string, what: string): number {
  if (at + 8 > view.byteLength) throw truncated(source, what);
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${source}: zip ${what} ${value} is too large`);
  return Number(value);
}
