/**
 * The image log as a vertical strip: a depth axis in feet beside the frame tiles, each tile an <img> of
 * the API's PNG for its depths (data-min-depth / data-max-depth on the element). Wheel, drag and keys
 * move the view along depth and zoom it; the strip reports the depths it wants through `onView`, and
 * draws whatever state it is given.
 */
import { colorParams, type ViewState, type WellRange } from './view-state';
import { tilesCovering, tileSpanFor, type Tile } from './tiles';

/** Axis tick steps in feet; the first giving at least MIN_TICK_PX between ticks is used. */
const TICK_STEPS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
const MIN_TICK_PX = 48;
/** Keys move the view by this share of its span (arrows) or this (pages). */
const STEP_SHARE = 0.1;
const PAGE_SHARE = 0.9;
const ZOOM_FACTOR = 2;

export const depthText = (feet: number): string => feet.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, parent?: HTMLElement): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  parent?.appendChild(node);
  return node;
}

export interface StripEvents {
  /** The view the user moved to (not yet clamped to the well). */
  onView(minDepth: number, maxDepth: number): void;
  /** Tiles loading, loaded, or failed. */
  onTiles(loading: number, failed: number): void;
}

export class Strip {
  readonly element: HTMLElement;
  private readonly axis: HTMLElement;
  private readonly tiles: HTMLElement;
  private readonly images = new Map<string, HTMLImageElement>();
  private failed = new Set<string>();
  private view: { min: number; max: number } = { min: 0, max: 1 };

  constructor(parent: HTMLElement, private readonly events: StripEvents) {
    this.element = el('div', 'strip', parent);
    this.element.tabIndex = 0;
    this.element.setAttribute('role', 'region');
    this.element.setAttribute('aria-label', 'Image log. Arrow keys and Page Up/Down move along depth, + and − zoom.');
    this.axis = el('div', 'axis', this.element);
    this.tiles = el('div', 'tiles', this.element);
    this.listen();
  }

  private pxPerFoot(): number {
    return this.tiles.clientHeight / Math.max(0.1, this.view.max - this.view.min);
  }

  private move(feet: number): void {
    this.events.onView(this.view.min + feet, this.view.max + feet);
  }

  zoom(factor: number): void {
    const centre = (this.view.min + this.view.max) / 2;
    const half = ((this.view.max - this.view.min) * factor) / 2;
    this.events.onView(centre - half, centre + half);
  }

  private listen(): void {
    this.element.addEventListener('wheel', (event) => {
      event.preventDefault();
      if (event.ctrlKey) return this.zoom(event.deltaY > 0 ? ZOOM_FACTOR : 1 / ZOOM_FACTOR);
      const pixels = event.deltaMode === WheelEvent.DOM_DELTA_LINE ? event.deltaY * 16 : event.deltaMode === WheelEvent.DOM_DELTA_PAGE ? event.deltaY * this.tiles.clientHeight : event.deltaY;
      this.move(pixels / this.pxPerFoot());
    }, { passive: false });

    let dragFrom: number | undefined;
    this.element.addEventListener('pointerdown', (event) => {
      dragFrom = event.clientY;
      this.element.setPointerCapture(event.pointerId);
    });
    this.element.addEventListener('pointermove', (event) => {
      if (dragFrom === undefined) return;
      const dy = event.clientY - dragFrom;
      if (Math.abs(dy) < 1) return;
      dragFrom = event.clientY;
      this.move(-dy / this.pxPerFoot());
    });
    const endDrag = (): void => void (dragFrom = undefined);
    this.element.addEventListener('pointerup', endDrag);
    this.element.addEventListener('pointercancel', endDrag);

    this.element.addEventListener('keydown', (event) => {
      const span = this.view.max - this.view.min;
      const actions: Record<string, () => void> = {
        ArrowDown: () => this.move(span * STEP_SHARE),
        ArrowUp: () => this.move(-span * STEP_SHARE),
        PageDown: () => this.move(span * PAGE_SHARE),
        PageUp: () => this.move(-span * PAGE_SHARE),
        '+': () => this.zoom(1 / ZOOM_FACTOR),
        '=': () => this.zoom(1 / ZOOM_FACTOR),
        '-': () => this.zoom(ZOOM_FACTOR),
      };
      const action = actions[event.key];
      if (!action) return;
      event.preventDefault();
      action();
    });
    new ResizeObserver(() => this.layout()).observe(this.tiles);
  }

  /** Draws the state: tiles for the view and a margin beyond it (scrolling finds them loaded), the axis. */
  draw(state: ViewState, well: WellRange): void {
    this.view = { min: state.minDepth, max: state.maxDepth };
    const span = state.maxDepth - state.minDepth;
    const tileSpan = tileSpanFor(span);
    const wanted = tilesCovering(state.minDepth - span / 2, state.maxDepth + span / 2, tileSpan, well.min_depth, well.max_depth);
    const colors = colorParams(state).toString();
    const keep = new Set<string>();
    for (const tile of wanted) {
      const url = tileUrl(state.well, tile, colors);
      keep.add(url);
      if (!this.images.has(url)) this.images.set(url, this.addImage(url, tile));
    }
    for (const [url, image] of this.images) {
      if (keep.has(url)) continue;
      image.remove();
      this.images.delete(url);
      this.failed.delete(url);
    }
    this.layout();
  }

  private addImage(url: string, tile: Tile): HTMLImageElement {
    const image = el('img', 'tile', this.tiles);
    image.alt = `${depthText(tile.minDepth)}–${depthText(tile.maxDepth)} ft`;
    image.dataset.minDepth = tile.minDepth.toFixed(1);
    image.dataset.maxDepth = tile.maxDepth.toFixed(1);
    image.draggable = false;
    image.decoding = 'async';
    const report = (): void => this.report();
    image.addEventListener('load', report);
    image.addEventListener('error', () => {
      this.failed.add(url);
      report();
    });
    image.src = url;
    return image;
  }

  private report(): void {
    let loading = 0;
    for (const [url, image] of this.images) if (!image.complete && !this.failed.has(url)) loading++;
    this.events.onTiles(loading, this.failed.size);
  }

  /** Places tiles and axis ticks for the current view and size. */
  private layout(): void {
    const perFoot = this.pxPerFoot();
    for (const image of this.images.values()) {
      const min = Number(image.dataset.minDepth);
      const max = Number(image.dataset.maxDepth);
      image.style.top = `${(min - this.view.min) * perFoot}px`;
      image.style.height = `${(max - min + 0.1) * perFoot}px`;
    }
    this.drawAxis(perFoot);
    this.report();
  }

  private drawAxis(perFoot: number): void {
    const step = TICK_STEPS.find((s) => s * perFoot >= MIN_TICK_PX) ?? TICK_STEPS[TICK_STEPS.length - 1]!;
    const ticks: HTMLElement[] = [];
    const first = Math.ceil(this.view.min / step - 1e-9);
    for (let k = first; k * step <= this.view.max + 1e-9; k++) {
      const depth = k * step;
      const tick = document.createElement('div');
      tick.className = 'tick';
      tick.style.top = `${(depth - this.view.min) * perFoot}px`;
      tick.textContent = depth.toLocaleString('en-US', { maximumFractionDigits: 1 });
      ticks.push(tick);
    }
    this.axis.replaceChildren(...ticks);
  }
}

export function tileUrl(well: string, tile: Tile, colors: string): string {
  const query = `min_depth=${tile.minDepth.toFixed(1)}&max_depth=${tile.maxDepth.toFixed(1)}${tile.height ? `&height=${tile.height}` : ''}&format=png&${colors}`;
  return `/imagers/${encodeURIComponent(well)}?${query}`;
}
