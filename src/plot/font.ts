// Registers the one font every plot uses. Canvas text needs a real font file: without it @napi-rs/canvas
// silently draws nothing, so a missing font is an error rather than a blank label.
import { existsSync } from 'node:fs';
import { GlobalFonts } from '@napi-rs/canvas';

export const FONT_FAMILY = 'DejaVu Sans';

/** Where Debian/Ubuntu (fonts-dejavu-core), Fedora and Arch put DejaVu Sans; TSYOLO_FONT overrides. */
const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
];

let registered = false;

/** Registers DejaVu Sans (once) under FONT_FAMILY; throws naming the paths tried when none exists. */
export function ensureFont(): string {
  if (registered) return FONT_FAMILY;
  const override = process.env.TSYOLO_FONT;
  const candidates = override ? [override, ...FONT_CANDIDATES] : FONT_CANDIDATES;
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) {
    throw new Error(
      `No plot font found: tried ${candidates.join(', ')}. Install DejaVu Sans ` +
        '(Debian/Ubuntu: apt-get install fonts-dejavu-core) or set TSYOLO_FONT to a .ttf file.',
    );
  }
  if (GlobalFonts.registerFromPath(path, FONT_FAMILY) === null) {
    throw new Error(`Could not load the plot font ${path} (not a readable TrueType file?)`);
  }
  registered = true;
  return FONT_FAMILY;
}

/** CSS font string for a canvas context, in pixels. */
export function fontSpec(sizePx: number, bold = false): string {
  return `${bold ? 'bold ' : ''}${Math.max(1, sizePx).toFixed(2)}px "${FONT_FAMILY}"`;
}
