// A small matplotlib-like chart layer shared by the metric curves, confusion matrix, labels and results plots:
// a Figure (canvas sized in inches at a dpi, sizes in points) holding Axes (limits, ticks, labels, title,
// legend, lines, bars and images). Only what YOLOv5's figures use is here.
import { dirname, extname } from 'node:path';
import { createCanvas, SvgExportFlag, type Canvas, type SKRSContext2D, type SvgCanvas } from '@napi-rs/canvas';
import { cssColor, type Colormap, type RGB } from './colors.ts';
import { ensureFont, fontSpec } from './font.ts';
import { saveCanvas, type SaveImageOptions } from './image-file.ts';
import { makeDirs, writeFileAtomic } from '../io/atomic-write.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type DashStyle = 'solid' | 'dotted' | 'dashed';

export interface LineStyle {
  color: RGB;
  /** Line width in points (matplotlib's default 1.5). */
  width?: number;
  dash?: DashStyle;
  alpha?: number;
  /** Draws matplotlib's '.' marker of this size (points) at every data point. */
  markerSize?: number;
}

/** A legend row: a line sample, a filled square when `patch` is set, or a scatter star (`star`, its colour). */
export interface LegendEntry {
  label: string;
  line?: LineStyle;
  patch?: RGB;
  star?: RGB;
}

export type LegendLocation = 'best' | 'upper right' | 'upper left' | 'lower left' | 'lower right' | 'outside';

export interface TextOptions {
  pt?: number;
  color?: RGB;
  align?: 'left' | 'center' | 'right';
  baseline?: 'top' | 'middle' | 'bottom' | 'alphabetic';
  /** Rotate 90° counter-clockwise around (x, y) (y-axis labels, vertical tick labels). */
  vertical?: boolean;
  bold?: boolean;
}

const BLACK: RGB = [0, 0, 0];

/**
 * A canvas measured like a matplotlib figure: `widthIn`×`heightIn` inches at `dpi`, white background. With `svg`
 * the same drawing commands record an SVG document (text stays text) and `save` takes a .svg path.
 */
export class Figure {
  readonly canvas: Canvas | SvgCanvas;
  readonly ctx: SKRSContext2D;
  readonly width: number;
  readonly height: number;

  /** `fontPt` is the base font size (YOLOv5 sets matplotlib's to 11). */
  constructor(
    widthIn: number,
    heightIn: number,
    readonly dpi: number,
    readonly fontPt = 11,
    readonly svg = false,
  ) {
    ensureFont();
    this.width = Math.round(widthIn * dpi);
    this.height = Math.round(heightIn * dpi);
    if (!(this.width > 0 && this.height > 0)) throw new Error(`Figure: bad size ${widthIn}x${heightIn} in at ${dpi} dpi`);
    this.canvas = svg ? createCanvas(this.width, this.height, SvgExportFlag.RelativePathEncoding) : createCanvas(this.width, this.height);
    this.ctx = this.canvas.getContext('2d');
    this.ctx.fillStyle = '#ffffff';
    this.ctx.fillRect(0, 0, this.width, this.height);
  }

  /** Points → pixels. */
  px(points: number): number {
    return (points * this.dpi) / 72;
  }

  textWidth(text: string, pt = this.fontPt, bold = false): number {
    this.ctx.font = fontSpec(this.px(pt), bold);
    return this.ctx.measureText(text).width;
  }

  text(text: string, x: number, y: number, options: TextOptions = {}): void {
    const ctx = this.ctx;
    ctx.save();
    ctx.font = fontSpec(this.px(options.pt ?? this.fontPt), options.bold);
    ctx.fillStyle = cssColor(options.color ?? BLACK);
    ctx.textAlign = options.align ?? 'left';
    ctx.textBaseline = options.baseline ?? 'alphabetic';
    ctx.translate(x, y);
    if (options.vertical) ctx.rotate(-Math.PI / 2);
    ctx.fillText(text, 0, 0);
    ctx.restore();
  }

  /** Equal cells of a rows×cols grid (row-major), inset by `padPt` from the figure edges. */
  cells(rows: number, cols: number, padPt = 4): Rect[] {
    const pad = this.px(padPt);
    const w = (this.width - 2 * pad) / cols;
    const h = (this.height - 2 * pad) / rows;
    const out: Rect[] = [];
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out.push({ x: pad + c * w, y: pad + r * h, width: w, height: h });
    return out;
  }

  /** .png/.jpg for a raster figure, .svg for one made with `svg`. */
  async save(path: string, options: SaveImageOptions = {}): Promise<void> {
    const isSvgPath = extname(path).toLowerCase() === '.svg';
    if ('getContent' in this.canvas) {
      if (!isSvgPath) throw new Error(`Cannot save an SVG figure as ${path}: use a .svg path`);
      makeDirs(dirname(path));
      // Skia writes a <text> per word, an empty one per space, and ends each glyph-position list with ', '
      // (x="1, 2, "), which SVG readers reject, dropping the positions: drop the empty ones, trim the lists.
      const svg = this.canvas
        .getContent()
        .toString('utf8')
        .replace(/[ \t]*<text [^>]*>\s*<\/text>\n?/g, '')
        .replace(/ (x|y)="([^"]*?)[,\s]+"/g, ' $1="$2"');
      writeFileAtomic(path, svg);
      return;
    }
    if (isSvgPath) throw new Error(`Cannot save ${path}: make the Figure with svg = true to write SVG`);
    return saveCanvas(this.canvas, path, options);
  }
}

/** Explicit ticks: positions in data units and their labels. */
export interface Ticks {
  values: readonly number[];
  labels: readonly string[];
  /** Vertical x tick labels (long class names). */
  vertical?: boolean;
  pt?: number;
}

export interface AxesOptions {
  xlim: readonly [number, number];
  ylim: readonly [number, number];
  title?: string;
  xlabel?: string;
  ylabel?: string;
  /** Title size in points (default 1.2 × the figure font, matplotlib's 'large'). */
  titlePt?: number;
  /** Explicit ticks, or 'none' to hide the axis' ticks; automatic when absent. */
  xticks?: Ticks | 'none';
  yticks?: Ticks | 'none';
  yTickSide?: 'left' | 'right';
  /** Row 0 at the top (images and heat maps). */
  yDown?: boolean;
  /** Equal data units per pixel on both axes; the plot area shrinks and centres in its cell. */
  equalAspect?: boolean;
  /** Hide the four spines (YOLOv5's labels.jpg). */
  noFrame?: boolean;
  grid?: boolean;
  /** Legend rows placed right of the axes (matplotlib bbox_to_anchor=(1.04, 1), loc='upper left'). */
  legendOutside?: readonly LegendEntry[];
}

/** One subplot: maps data to pixels inside `plot` and draws matplotlib-style decorations around it. */
export class Axes {
  readonly plot: Rect;
  readonly xlim: readonly [number, number];
  readonly ylim: readonly [number, number];
  private readonly xticks: Ticks | undefined;
  private readonly yticks: Ticks | undefined;
  /** Pixel positions of drawn data, for legend placement 'best'. */
  private readonly dataPoints: Array<[number, number]> = [];

  constructor(
    readonly fig: Figure,
    cell: Rect,
    readonly options: AxesOptions,
  ) {
    this.xlim = checkLimits(options.xlim, 'xlim');
    this.ylim = checkLimits(options.ylim, 'ylim');
    const tickPt = fig.fontPt;
    const pad = fig.px(3.5);
    const tickLen = fig.px(3.5);
    const fontPx = fig.px(tickPt);
    const titlePt = options.titlePt ?? fig.fontPt * 1.2;

    // Tick counts follow the cell size first; the plot area is a little smaller, which only matters at edges.
    this.xticks = options.xticks === 'none' ? undefined : options.xticks ?? autoXTicks(fig, this.xlim, cell.width, tickPt);
    this.yticks = options.yticks === 'none' ? undefined : options.yticks ?? autoTicks(this.ylim, cell.height / (fontPx * 2));

    const yTickW = this.yticks ? Math.max(0, ...this.yticks.labels.map((l) => fig.textWidth(l, this.yticks!.pt ?? tickPt))) + tickLen + pad : 0;
    const xTickPt = this.xticks?.pt ?? tickPt;
    const xTickH = this.xticks
      ? (this.xticks.vertical ? Math.max(0, ...this.xticks.labels.map((l) => fig.textWidth(l, xTickPt))) : fig.px(xTickPt)) + tickLen + pad
      : 0;
    const labelH = fig.px(fig.fontPt) * 1.2 + pad;
    const legendW = options.legendOutside ? legendSize(fig, options.legendOutside).width + fig.px(fig.fontPt) : 0;
    const edgeX = this.xticks && !this.xticks.vertical ? halfWidthOfEdgeLabels(fig, this.xticks, xTickPt) : [0, 0];

    let left = pad + (options.ylabel ? labelH : 0) + (options.yTickSide === 'right' ? 0 : yTickW);
    left = Math.max(left, pad + edgeX[0]!);
    let right = pad + (options.yTickSide === 'right' ? yTickW : 0) + legendW;
    right = Math.max(right, pad + edgeX[1]!);
    // A title of several lines ('name\nvalue') takes 1.2 line heights per extra line.
    const titleLines = options.title ? options.title.split('\n').length : 0;
    const top = pad + (titleLines ? fig.px(titlePt) * (1.4 + 1.2 * (titleLines - 1)) : 0) + (this.yticks ? fontPx / 2 : 0);
    const bottom = pad + (options.xlabel ? labelH : 0) + xTickH;
    let plot: Rect = { x: cell.x + left, y: cell.y + top, width: cell.width - left - right, height: cell.height - top - bottom };
    if (plot.width <= 1 || plot.height <= 1) throw new Error(`Axes '${options.title ?? ''}': no room left for the plot area`);
    if (options.equalAspect) {
      const sx = plot.width / (this.xlim[1] - this.xlim[0]);
      const sy = plot.height / (this.ylim[1] - this.ylim[0]);
      const s = Math.min(sx, sy);
      const w = s * (this.xlim[1] - this.xlim[0]), h = s * (this.ylim[1] - this.ylim[0]);
      plot = { x: plot.x + (plot.width - w) / 2, y: plot.y + (plot.height - h) / 2, width: w, height: h };
    }
    this.plot = plot;
  }

  x(v: number): number {
    return this.plot.x + ((v - this.xlim[0]) / (this.xlim[1] - this.xlim[0])) * this.plot.width;
  }

  y(v: number): number {
    const f = (v - this.ylim[0]) / (this.ylim[1] - this.ylim[0]);
    return this.options.yDown ? this.plot.y + f * this.plot.height : this.plot.y + (1 - f) * this.plot.height;
  }

  /** Gridlines (call before drawing data so the data stays on top). */
  drawGrid(alpha = 0.5): void {
    const ctx = this.fig.ctx;
    ctx.save();
    ctx.strokeStyle = cssColor([176, 176, 176], alpha);
    ctx.lineWidth = this.fig.px(0.8);
    ctx.beginPath();
    for (const v of this.xticks?.values ?? []) {
      const x = Math.round(this.x(v)) + 0.5;
      ctx.moveTo(x, this.plot.y);
      ctx.lineTo(x, this.plot.y + this.plot.height);
    }
    for (const v of this.yticks?.values ?? []) {
      const y = Math.round(this.y(v)) + 0.5;
      ctx.moveTo(this.plot.x, y);
      ctx.lineTo(this.plot.x + this.plot.width, y);
    }
    ctx.stroke();
    ctx.restore();
  }

  /** A polyline through (xs[i], ys[i]); non-finite points break the line (matplotlib's NaN gaps). */
  line(xs: ArrayLike<number>, ys: ArrayLike<number>, style: LineStyle): void {
    if (xs.length !== ys.length) throw new Error(`Axes.line: ${xs.length} x values but ${ys.length} y values`);
    const fig = this.fig, ctx = fig.ctx;
    ctx.save();
    this.clipToPlot();
    ctx.strokeStyle = cssColor(style.color, style.alpha ?? 1);
    const lw = fig.px(style.width ?? 1.5);
    ctx.lineWidth = lw;
    ctx.lineJoin = 'round';
    ctx.lineCap = style.dash === 'dotted' ? 'round' : 'butt';
    ctx.setLineDash(dashPattern(style.dash ?? 'solid', lw));
    ctx.beginPath();
    let penDown = false;
    const every = Math.max(1, Math.floor(xs.length / 2000));
    for (let i = 0; i < xs.length; i++) {
      const xv = xs[i]!, yv = ys[i]!;
      if (!Number.isFinite(xv) || !Number.isFinite(yv)) {
        penDown = false;
        continue;
      }
      const px = this.x(xv), py = this.y(yv);
      if (penDown) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      penDown = true;
      if (i % every === 0) this.dataPoints.push([px, py]);
    }
    ctx.stroke();
    if (style.markerSize && fig.svg) {
      // SVG: one path of tiny round-capped segments (a dot each) instead of ~6 KB of flattened arc per marker
      ctx.setLineDash([]);
      ctx.lineCap = 'round';
      ctx.lineWidth = fig.px(style.markerSize) / 2;
      ctx.beginPath();
      for (let i = 0; i < xs.length; i++) {
        if (!Number.isFinite(xs[i]!) || !Number.isFinite(ys[i]!)) continue;
        ctx.moveTo(this.x(xs[i]!), this.y(ys[i]!));
        ctx.lineTo(this.x(xs[i]!) + 0.01, this.y(ys[i]!)); // not zero-length: some readers (librsvg) skip those
      }
      ctx.stroke();
    } else if (style.markerSize) {
      ctx.fillStyle = cssColor(style.color, style.alpha ?? 1);
      const r = fig.px(style.markerSize) / 4; // '.' is a circle half the marker size across
      for (let i = 0; i < xs.length; i++) {
        if (!Number.isFinite(xs[i]!) || !Number.isFinite(ys[i]!)) continue;
        ctx.beginPath();
        ctx.arc(this.x(xs[i]!), this.y(ys[i]!), r, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    ctx.restore();
  }

  /**
   * matplotlib's scatter(x, y, marker='*', linewidth=…) of one point: a five-pointed star `sizePt` across (scatter's
   * default s = 36 → 6 pt) with an edge `edgePt` wide in the same colour.
   */
  star(xv: number, yv: number, color: RGB, sizePt = 6, edgePt = 3): void {
    if (!Number.isFinite(xv) || !Number.isFinite(yv)) return;
    const fig = this.fig, ctx = fig.ctx;
    const px = this.x(xv), py = this.y(yv);
    ctx.save();
    this.clipToPlot();
    starPath(ctx, px, py, fig.px(sizePt) / 2);
    ctx.fillStyle = cssColor(color);
    ctx.fill();
    ctx.strokeStyle = cssColor(color);
    ctx.lineWidth = fig.px(edgePt);
    ctx.lineJoin = 'miter';
    ctx.stroke();
    ctx.restore();
    this.dataPoints.push([px, py]);
  }

  /** A filled rectangle between data corners (bars, heat-map cells). */
  fillRect(x0: number, y0: number, x1: number, y1: number, color: RGB, alpha = 1): void {
    // Edges snap to whole pixels so neighbouring cells meet without antialiased seams.
    const px0 = Math.round(this.x(x0)), px1 = Math.round(this.x(x1)), py0 = Math.round(this.y(y0)), py1 = Math.round(this.y(y1));
    const ctx = this.fig.ctx;
    ctx.fillStyle = cssColor(color, alpha);
    ctx.fillRect(Math.min(px0, px1), Math.min(py0, py1), Math.abs(px1 - px0), Math.abs(py1 - py0));
    this.dataPoints.push([(px0 + px1) / 2, Math.min(py0, py1)]);
  }

  /** Draws `image` stretched over the data rectangle (x0, y0)–(x1, y1). */
  image(image: Canvas, x0: number, y0: number, x1: number, y1: number): void {
    const px0 = this.x(x0), px1 = this.x(x1), py0 = this.y(y0), py1 = this.y(y1);
    const ctx = this.fig.ctx;
    ctx.save();
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(image, Math.min(px0, px1), Math.min(py0, py1), Math.abs(px1 - px0), Math.abs(py1 - py0));
    ctx.restore();
  }

  /** Text at a data position. */
  textAt(text: string, xv: number, yv: number, options: TextOptions = {}): void {
    this.fig.text(text, this.x(xv), this.y(yv), options);
  }

  /** Spines, ticks, tick labels, axis labels and title (call after the data). */
  finish(): void {
    const fig = this.fig, ctx = fig.ctx, p = this.plot, o = this.options;
    const pad = fig.px(3.5), tickLen = fig.px(3.5), lw = fig.px(0.8);
    ctx.save();
    ctx.strokeStyle = cssColor(BLACK);
    ctx.lineWidth = lw;
    if (!o.noFrame) ctx.strokeRect(p.x, p.y, p.width, p.height);
    ctx.beginPath();
    const xt = this.xticks;
    let xLabelTop = p.y + p.height + pad;
    if (xt) {
      const pt = xt.pt ?? fig.fontPt;
      let tallest = 0;
      xt.values.forEach((v, i) => {
        if (!inRange(v, this.xlim)) return;
        const x = this.x(v), y0 = p.y + p.height;
        ctx.moveTo(x, y0);
        ctx.lineTo(x, y0 + tickLen);
        const label = xt.labels[i] ?? '';
        if (xt.vertical) {
          fig.text(label, x, y0 + tickLen + pad, { pt, align: 'right', baseline: 'middle', vertical: true });
          tallest = Math.max(tallest, fig.textWidth(label, pt));
        } else {
          fig.text(label, x, y0 + tickLen + pad, { pt, align: 'center', baseline: 'top' });
          tallest = fig.px(pt);
        }
      });
      xLabelTop = p.y + p.height + tickLen + pad + tallest + pad;
    }
    const yt = this.yticks;
    const onRight = o.yTickSide === 'right';
    let yLabelRight = p.x - pad;
    if (yt) {
      const pt = yt.pt ?? fig.fontPt;
      let widest = 0;
      yt.values.forEach((v, i) => {
        if (!inRange(v, this.ylim)) return;
        const y = this.y(v), x0 = onRight ? p.x + p.width : p.x;
        ctx.moveTo(x0, y);
        ctx.lineTo(onRight ? x0 + tickLen : x0 - tickLen, y);
        const label = yt.labels[i] ?? '';
        fig.text(label, onRight ? x0 + tickLen + pad : x0 - tickLen - pad, y, {
          pt,
          align: onRight ? 'left' : 'right',
          baseline: 'middle',
        });
        widest = Math.max(widest, fig.textWidth(label, pt));
      });
      if (!onRight) yLabelRight = p.x - tickLen - pad - widest - pad;
    }
    ctx.stroke();
    ctx.restore();
    if (o.xlabel) fig.text(o.xlabel, p.x + p.width / 2, xLabelTop, { align: 'center', baseline: 'top' });
    if (o.ylabel) fig.text(o.ylabel, yLabelRight, p.y + p.height / 2, { align: 'center', baseline: 'bottom', vertical: true });
    if (o.title) {
      const titlePt = o.titlePt ?? fig.fontPt * 1.2;
      const lines = o.title.split('\n');
      lines.forEach((line, k) => {
        const y = p.y - fig.px(6) - (lines.length - 1 - k) * fig.px(titlePt) * 1.2;
        fig.text(line, p.x + p.width / 2, y, { pt: titlePt, align: 'center', baseline: 'bottom' });
      });
    }
    if (o.legendOutside) this.drawLegendBox(o.legendOutside, p.x + p.width + fig.px(fig.fontPt) * 0.6, p.y);
  }

  /** matplotlib-style legend inside the axes; 'outside' needs `legendOutside` in the options instead. */
  legend(entries: readonly LegendEntry[], location: LegendLocation = 'best'): void {
    if (entries.length === 0) return;
    if (location === 'outside') throw new Error("Axes.legend: pass the entries as options.legendOutside for 'outside'");
    const size = legendSize(this.fig, entries);
    const inset = this.fig.px(this.fig.fontPt) * 0.5;
    const p = this.plot;
    const corner = (loc: Exclude<LegendLocation, 'best' | 'outside'>): [number, number] => {
      const left = loc.endsWith('left') ? p.x + inset : p.x + p.width - inset - size.width;
      const top = loc.startsWith('upper') ? p.y + inset : p.y + p.height - inset - size.height;
      return [left, top];
    };
    let chosen: [number, number];
    if (location === 'best') {
      // matplotlib's rule: the candidate covering the fewest data points, earlier candidates winning ties.
      const candidates = (['upper right', 'upper left', 'lower left', 'lower right'] as const).map(corner);
      let best = Infinity;
      chosen = candidates[0]!;
      for (const [l, t] of candidates) {
        let n = 0;
        for (const [x, y] of this.dataPoints) if (x >= l && x <= l + size.width && y >= t && y <= t + size.height) n++;
        if (n < best) {
          best = n;
          chosen = [l, t];
        }
      }
    } else {
      chosen = corner(location);
    }
    this.drawLegendBox(entries, chosen[0], chosen[1]);
  }

  private drawLegendBox(entries: readonly LegendEntry[], left: number, top: number): void {
    const fig = this.fig, ctx = fig.ctx;
    const m = legendMetrics(fig);
    const size = legendSize(fig, entries);
    ctx.save();
    roundedRect(ctx, left, top, size.width, size.height, m.em * 0.2);
    ctx.fillStyle = cssColor([255, 255, 255], 0.8);
    ctx.fill();
    ctx.strokeStyle = cssColor([204, 204, 204]);
    ctx.lineWidth = fig.px(0.8);
    ctx.stroke();
    entries.forEach((entry, i) => drawLegendEntry(fig, entry, left + m.border, top + m.border + m.rowH * i + m.em / 2 + i * m.spacing));
    ctx.restore();
  }

  private clipToPlot(): void {
    const ctx = this.fig.ctx, p = this.plot;
    ctx.beginPath();
    ctx.rect(p.x, p.y, p.width, p.height);
    ctx.clip();
  }
}

/** One legend row: its handle (line sample or patch) starting at x = `hx`, centred on y = `cy`, then its label. */
function drawLegendEntry(fig: Figure, entry: LegendEntry, hx: number, cy: number): void {
  const ctx = fig.ctx, m = legendMetrics(fig);
  if (entry.patch) {
    ctx.fillStyle = cssColor(entry.patch);
    ctx.fillRect(hx, cy - m.em * 0.35, m.handle, m.em * 0.7);
  } else if (entry.star) {
    starPath(ctx, hx + m.handle / 2, cy, fig.px(6) / 2);
    ctx.fillStyle = cssColor(entry.star);
    ctx.fill();
    ctx.strokeStyle = cssColor(entry.star);
    ctx.lineWidth = fig.px(3);
    ctx.stroke();
  } else if (entry.line) {
    const lw = fig.px(entry.line.width ?? 1.5);
    ctx.strokeStyle = cssColor(entry.line.color, entry.line.alpha ?? 1);
    ctx.lineWidth = lw;
    ctx.lineCap = entry.line.dash === 'dotted' ? 'round' : 'butt';
    ctx.setLineDash(dashPattern(entry.line.dash ?? 'solid', lw));
    ctx.beginPath();
    ctx.moveTo(hx, cy);
    ctx.lineTo(hx + m.handle, cy);
    ctx.stroke();
    ctx.setLineDash([]);
    if (entry.line.markerSize) {
      ctx.fillStyle = cssColor(entry.line.color);
      ctx.beginPath();
      ctx.arc(hx + m.handle / 2, cy, fig.px(entry.line.markerSize) / 4, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  fig.text(entry.label, hx + m.handle + m.textPad, cy, { baseline: 'middle' });
}

/** Matplotlib's legend spacing in font-size units: border 0.4, handle 2.0, text pad 0.8, row gap 0.5. */
function legendMetrics(fig: Figure) {
  const em = fig.px(fig.fontPt);
  return { em, border: em * 0.4 + em * 0.3, handle: em * 2, textPad: em * 0.8, spacing: em * 0.5, rowH: em };
}

export function legendSize(fig: Figure, entries: readonly LegendEntry[]): { width: number; height: number } {
  const m = legendMetrics(fig);
  const textW = Math.max(0, ...entries.map((e) => fig.textWidth(e.label)));
  return {
    width: 2 * m.border + m.handle + m.textPad + textW,
    height: 2 * m.border + entries.length * m.rowH + Math.max(0, entries.length - 1) * m.spacing,
  };
}

/** Width and height of a legend box of `ncol` columns filled row by row (matplotlib's column spacing 2.0 em). */
export function legendGridSize(fig: Figure, entries: readonly LegendEntry[], ncol: number): { width: number; height: number; columns: number[] } {
  const m = legendMetrics(fig);
  const cols = Math.max(1, Math.min(ncol, entries.length));
  const rows = Math.ceil(entries.length / cols);
  const columns = Array.from({ length: cols }, (_, c) => {
    const texts = entries.filter((_, i) => i % cols === c).map((e) => fig.textWidth(e.label));
    return m.handle + m.textPad + Math.max(0, ...texts);
  });
  const gap = m.em * 2;
  return {
    width: 2 * m.border + columns.reduce((a, b) => a + b, 0) + gap * (cols - 1),
    height: 2 * m.border + rows * m.rowH + Math.max(0, rows - 1) * m.spacing,
    columns,
  };
}

/** A framed legend of `ncol` columns with its top-left corner at (left, top) in pixels (matplotlib's fig.legend). */
export function drawFigureLegend(fig: Figure, entries: readonly LegendEntry[], left: number, top: number, ncol: number): void {
  if (entries.length === 0) return;
  const ctx = fig.ctx, m = legendMetrics(fig);
  const size = legendGridSize(fig, entries, ncol);
  const cols = size.columns.length;
  ctx.save();
  roundedRect(ctx, left, top, size.width, size.height, m.em * 0.2);
  ctx.fillStyle = cssColor([255, 255, 255], 0.8);
  ctx.fill();
  ctx.strokeStyle = cssColor([204, 204, 204]);
  ctx.lineWidth = fig.px(0.8);
  ctx.stroke();
  entries.forEach((entry, i) => {
    const c = i % cols, r = Math.floor(i / cols);
    const hx = left + m.border + size.columns.slice(0, c).reduce((a, b) => a + b, 0) + c * m.em * 2;
    drawLegendEntry(fig, entry, hx, top + m.border + m.rowH * r + m.em / 2 + r * m.spacing);
  });
  ctx.restore();
}

/** matplotlib's '*' marker: a five-pointed star of outer radius r (inner radius 0.381966·r), point up. */
function starPath(ctx: SKRSContext2D, cx: number, cy: number, r: number): void {
  ctx.beginPath();
  for (let k = 0; k < 10; k++) {
    const rad = k % 2 === 0 ? r : r * 0.381966;
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    const x = cx + rad * Math.cos(a), y = cy + rad * Math.sin(a);
    if (k === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  }
  ctx.closePath();
}

function roundedRect(ctx: SKRSContext2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

/** matplotlib's dash patterns, scaled by the line width as it does. */
function dashPattern(dash: DashStyle, lineWidthPx: number): number[] {
  if (dash === 'dotted') return [0.01, 1.65 * lineWidthPx + lineWidthPx];
  if (dash === 'dashed') return [3.7 * lineWidthPx, 1.6 * lineWidthPx];
  return [];
}

function checkLimits(lim: readonly [number, number], what: string): readonly [number, number] {
  if (!Number.isFinite(lim[0]) || !Number.isFinite(lim[1]) || !(Math.abs(lim[1] - lim[0]) > 1e-300)) {
    throw new Error(`Axes: bad ${what} [${lim[0]}, ${lim[1]}]`);
  }
  return lim;
}

function inRange(v: number, lim: readonly [number, number]): boolean {
  const lo = Math.min(lim[0], lim[1]), hi = Math.max(lim[0], lim[1]);
  const eps = (hi - lo) * 1e-9;
  return v >= lo - eps && v <= hi + eps;
}

function halfWidthOfEdgeLabels(fig: Figure, ticks: Ticks, pt: number): [number, number] {
  const first = ticks.labels[0] ?? '', last = ticks.labels[ticks.labels.length - 1] ?? '';
  return [fig.textWidth(first, pt) / 2, fig.textWidth(last, pt) / 2];
}

/**
 * Tick positions like matplotlib's MaxNLocator: the smallest step of 1, 2, 2.5, 5 × 10^k giving at most
 * `maxBins` intervals across the limits; only ticks inside the limits are kept.
 */
export function niceTicks(lo: number, hi: number, maxBins: number): number[] {
  const a = Math.min(lo, hi), b = Math.max(lo, hi);
  const bins = Math.max(1, Math.min(9, Math.floor(maxBins)));
  const raw = (b - a) / bins;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = 10 * mag;
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * mag >= raw * (1 - 1e-9)) {
      step = m * mag;
      break;
    }
  }
  const eps = step * 1e-9;
  const first = Math.ceil((a - eps) / step);
  const count = Math.min(20, Math.floor((b + eps) / step) - first + 1); // bounded even if the range is degenerate
  return Array.from({ length: Math.max(0, count) }, (_, i) => Number(((first + i) * step).toPrecision(12)));
}

/** Labels with the fewest decimals that show every tick exactly (matplotlib's ScalarFormatter look). */
export function tickLabels(values: readonly number[]): string[] {
  let decimals = 0;
  while (decimals < 8 && values.some((v) => Math.abs(v * 10 ** decimals - Math.round(v * 10 ** decimals)) > 1e-6 * Math.max(1, Math.abs(v * 10 ** decimals)))) decimals++;
  return values.map((v) => (Math.abs(v) < 1e-12 ? 0 : v).toFixed(decimals));
}

function autoTicks(lim: readonly [number, number], maxBins: number): Ticks {
  const values = niceTicks(lim[0], lim[1], maxBins);
  return { values, labels: tickLabels(values) };
}

/** Automatic x ticks, thinned until their labels fit side by side with a gap of one character. */
function autoXTicks(fig: Figure, lim: readonly [number, number], lengthPx: number, pt: number): Ticks {
  const gap = fig.px(pt);
  for (let bins = lengthPx / (fig.px(pt) * 3); ; bins = Math.floor(bins) - 1) {
    const ticks = autoTicks(lim, bins);
    const needed = ticks.labels.reduce((sum, l) => sum + fig.textWidth(l, pt) + gap, 0);
    if (needed <= lengthPx * 0.85 || bins <= 1) return ticks;
  }
}

/** Data limits with matplotlib's 5 % margins; a flat series gets a unit-wide window. */
export function autoLimits(values: Iterable<number>, margin = 0.05): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  // matplotlib's nonsingular(): a range at floating-point noise level counts as a single value
  if (hi - lo <= 1e-12 * Math.max(Math.abs(lo), Math.abs(hi))) {
    const d = lo === 0 ? 0.055 : Math.abs(lo) * 0.055;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * margin;
  return [lo - d, hi + d];
}

/** A vertical colour bar for `cmap` over [vmin, vmax] filling `rect`, ticks on its right (seaborn's heat-map bar). */
export function drawColorbar(fig: Figure, rect: Rect, cmap: Colormap, vmin: number, vmax: number): void {
  const ctx = fig.ctx;
  const gradient = ctx.createLinearGradient(0, rect.y + rect.height, 0, rect.y);
  const stops = 32;
  for (let i = 0; i <= stops; i++) gradient.addColorStop(i / stops, cssColor(cmap(i / stops)));
  ctx.fillStyle = gradient;
  ctx.fillRect(rect.x, rect.y, rect.width, rect.height);
  const tickLen = fig.px(3.5);
  const values = niceTicks(vmin, vmax, rect.height / (fig.px(fig.fontPt) * 2));
  const labels = tickLabels(values);
  ctx.save();
  ctx.strokeStyle = cssColor(BLACK);
  ctx.lineWidth = fig.px(0.8);
  ctx.beginPath();
  values.forEach((v, i) => {
    const y = rect.y + rect.height * (1 - (v - vmin) / (vmax - vmin));
    ctx.moveTo(rect.x + rect.width, y);
    ctx.lineTo(rect.x + rect.width + tickLen, y);
    fig.text(labels[i]!, rect.x + rect.width + tickLen + fig.px(3.5), y, { baseline: 'middle' });
  });
  ctx.stroke();
  ctx.restore();
}
