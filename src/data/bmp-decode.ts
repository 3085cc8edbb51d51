// Windows BMP decoding. libvips (and so sharp) has no BMP loader, but YOLOv5 accepts .bmp images, so the common
// uncompressed variants are decoded here: 24-bit BGR, 32-bit BGRX/BGRA (BI_RGB or BI_BITFIELDS) and 8-bit
// palette. Alpha is dropped, as OpenCV's imread(IMREAD_COLOR) does.

export interface BmpHeader {
  width: number;
  height: number;
  bitsPerPixel: number;
  compression: number;
  /** Rows stored top row first (negative height in the header). */
  topDown: boolean;
  pixelOffset: number;
  /** Bytes per stored row, padded to 4. */
  rowStride: number;
  /** Offset of the colour table (8-bit images). */
  paletteOffset: number;
  paletteEntries: number;
  /** Bytes per palette entry: 3 for the old OS/2 core header, 4 otherwise. */
  paletteEntrySize: number;
  /** Channel masks for 32-bit BI_BITFIELDS images. */
  masks?: { r: number; g: number; b: number };
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;

/** True when the bytes start with the BMP signature "BM". */
export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/** Parses and validates the header; throws naming `what` when the file is not a BMP we can decode or is cut short. */
export function parseBmpHeader(bytes: Uint8Array, what = 'BMP'): BmpHeader {
  if (!isBmp(bytes)) throw new Error(`${what}: not a BMP file (no "BM" signature)`);
  if (bytes.length < 26) throw new Error(`${what}: truncated BMP header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pixelOffset = view.getUint32(10, true);
  const dibSize = view.getUint32(14, true);
  let width: number;
  let rawHeight: number;
  let bitsPerPixel: number;
  let compression = BI_RGB;
  let paletteEntries = 0;
  let paletteEntrySize = 4;
  if (dibSize === 12) {
    // OS/2 BITMAPCOREHEADER: 16-bit unsigned sizes, 3-byte palette entries.
    width = view.getUint16(18, true);
    rawHeight = view.getUint16(20, true);
    bitsPerPixel = view.getUint16(24, true);
    paletteEntrySize = 3;
  } else if (dibSize >= 40) {
    if (bytes.length < 14 + 40) throw new Error(`${what}: truncated BMP header (${bytes.length} bytes)`);
    width = view.getInt32(18, true);
    rawHeight = view.getInt32(22, true);
    bitsPerPixel = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    paletteEntries = view.getUint32(46, true);
  } else {
    throw new Error(`${what}: unsupported BMP header size ${dibSize}`);
  }
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height <= 0) throw new Error(`${what}: invalid BMP size ${width}×${rawHeight}`);

  const supported =
    (bitsPerPixel === 24 && compression === BI_RGB) ||
    (bitsPerPixel === 32 && (compression === BI_RGB || compression === BI_BITFIELDS)) ||
    (bitsPerPixel === 8 && compression === BI_RGB);
  if (!supported) {
    throw new Error(
      `${what}: unsupported BMP variant (${bitsPerPixel} bits per pixel, compression ${compression}); ` +
        'only uncompressed 8-, 24- and 32-bit BMPs are decoded',
    );
  }

  let masks: BmpHeader['masks'];
  if (compression === BI_BITFIELDS) {
    if (bytes.length < 14 + 40 + 12) throw new Error(`${what}: truncated BMP bit-field masks`);
    // The masks follow a 40-byte header and sit at the same place inside the larger V4/V5 headers.
    masks = { r: view.getUint32(54, true), g: view.getUint32(58, true), b: view.getUint32(62, true) };
  }
  if (bitsPerPixel === 8 && paletteEntries === 0) paletteEntries = 256;

  const rowStride = Math.ceil((width * bitsPerPixel) / 32) * 4;
  const needed = pixelOffset + rowStride * height;
  if (bytes.length < needed) {
    throw new Error(`${what}: truncated BMP (${bytes.length} bytes, pixel data needs ${needed})`);
  }
  return {
    width,
    height,
    bitsPerPixel,
    compression,
    topDown,
    pixelOffset,
    rowStride,
    paletteOffset: 14 + dibSize,
    paletteEntries,
    paletteEntrySize,
    masks,
  };
}

/** Position of the lowest set bit and the maximum value of a channel mask, to rescale the channel to 0–255. */
function maskShape(mask: number): { shift: number; max: number } {
  if (mask === 0) return { shift: 0, max: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { shift, max: mask >>> shift };
}

/** Decodes a BMP into HWC RGB uint8. */
export function decodeBmp(bytes: Uint8Array, what = 'BMP'): { data: Uint8Array; width: number; height: number } {
  const h = parseBmpHeader(bytes, what);
  const { width, height } = h;
  const out = new Uint8Array(width * height * 3);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  let palette: Uint8Array | undefined;
  if (h.bitsPerPixel === 8) {
    const end = h.paletteOffset + h.paletteEntries * h.paletteEntrySize;
    if (bytes.length < end) throw new Error(`${what}: truncated BMP colour table`);
    palette = new Uint8Array(256 * 3); // entries beyond the table stay black
    for (let i = 0; i < Math.min(h.paletteEntries, 256); i++) {
      const p = h.paletteOffset + i * h.paletteEntrySize;
      palette[i * 3] = bytes[p + 2]!;
      palette[i * 3 + 1] = bytes[p + 1]!;
      palette[i * 3 + 2] = bytes[p]!;
    }
  }
  const masks = h.masks && {
    r: maskShape(h.masks.r),
    g: maskShape(h.masks.g),
    b: maskShape(h.masks.b),
  };
  const scaled = (v: number, m: { shift: number; max: number }): number =>
    m.max === 0 ? 0 : Math.round((((v >>> m.shift) & m.max) * 255) / m.max);

  for (let y = 0; y < height; y++) {
    const storedRow = h.topDown ? y : height - 1 - y; // bottom-up is the BMP default
    const src = h.pixelOffset + storedRow * h.rowStride;
    const dst = y * width * 3;
    for (let x = 0; x < width; x++) {
      const o = dst + x * 3;
      if (h.bitsPerPixel === 24) {
        const s = src + x * 3;
        out[o] = bytes[s + 2]!;
        out[o + 1] = bytes[s + 1]!;
        out[o + 2] = bytes[s]!;
      } else if (h.bitsPerPixel === 32) {
        const s = src + x * 4;
        if (masks) {
          const v = view.getUint32(s, true);
          out[o] = scaled(v, masks.r);
          out[o + 1] = scaled(v, masks.g);
          out[o + 2] = scaled(v, masks.b);
        } else {
          out[o] = bytes[s + 2]!;
          out[o + 1] = bytes[s + 1]!;
          out[o + 2] = bytes[s]!;
        }
      } else {
        const idx = bytes[src + x]! * 3;
        out[o] = palette![idx]!;
        out[o + 1] = palette![idx + 1]!;
        out[o + 2] = palette![idx + 2]!;
      }
    }
  }
  return { data: out, width, height };
}
