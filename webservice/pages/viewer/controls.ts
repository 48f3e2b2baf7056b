/**
 * The viewer's form: fields named as the API's parameters (`well`, `min_depth`, `max_depth`, `colormap`,
 * `normalize`, `vmin`, `vmax`), the custom colour-stops editor that writes `colors`, and the move/zoom
 * buttons. Every option text comes from data through textContent, never markup.
 */
import { depthText } from './strip';
import { DEFAULT_COLORMAP, type Normalize, type ViewState, type WellRange } from './view-state';
import { StopsEditor } from './stops-editor';

export const CUSTOM = 'custom';

export interface ControlEvents {
  /** A field changed: the state the form now describes (depths not yet clamped). */
  onChange(next: ViewState): void;
  onMove(share: number): void;
  onZoom(factor: number): void;
}

const NORMALIZE_LABELS: Record<Normalize, string> = {
  well: 'Whole well (steady colours)',
  frame: 'Each tile’s own min–max',
  none: 'None (0–255)',
  fixed: 'Fixed window',
};

function labelled(parent: HTMLElement, text: string, field: HTMLElement): HTMLElement {
  const label = document.createElement('label');
  const span = document.createElement('span');
  span.textContent = text;
  label.append(span, field);
  parent.appendChild(label);
  return label;
}

function select(name: string, options: [string, string][]): HTMLSelectElement {
  const element = document.createElement('select');
  element.name = name;
  for (const [value, text] of options) {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = text;
    element.appendChild(option);
  }
  return element;
}

function numberInput(name: string, step: string, min?: number, max?: number): HTMLInputElement {
  const input = document.createElement('input');
  input.type = 'number';
  input.name = name;
  input.step = step;
  input.inputMode = 'decimal';
  if (min !== undefined) input.min = String(min);
  if (max !== undefined) input.max = String(max);
  return input;
}

function button(text: string, title: string, onClick: () => void): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = text;
  element.title = title;
  element.setAttribute('aria-label', title);
  element.addEventListener('click', onClick);
  return element;
}

export class Controls {
  readonly form: HTMLFormElement;
  private readonly well: HTMLSelectElement;
  private readonly minDepth: HTMLInputElement;
  private readonly maxDepth: HTMLInputElement;
  private readonly colormap: HTMLSelectElement;
  private readonly normalize: HTMLSelectElement;
  private readonly vmin: HTMLInputElement;
  private readonly vmax: HTMLInputElement;
  private readonly windowFields: HTMLElement;
  private readonly stops: StopsEditor;
  private state: ViewState | undefined;

  constructor(parent: HTMLElement, wells: readonly WellRange[], colormaps: readonly string[], private readonly events: ControlEvents) {
    this.form = document.createElement('form');
    this.form.className = 'controls';
    this.form.addEventListener('submit', (event) => event.preventDefault());

    this.well = select('well', wells.map((w) => [w.well_id, `${w.well_id} (${depthText(w.min_depth)}–${depthText(w.max_depth)} ft)`]));
    labelled(this.form, 'Well', this.well);

    const depths = document.createElement('div');
    depths.className = 'row';
    this.minDepth = numberInput('min_depth', '0.1');
    this.maxDepth = numberInput('max_depth', '0.1');
    labelled(depths, 'From (ft)', this.minDepth);
    labelled(depths, 'To (ft)', this.maxDepth);
    this.form.appendChild(depths);

    const moves = document.createElement('div');
    moves.className = 'row buttons';
    moves.append(
      button('▲', 'Move up (shallower)', () => events.onMove(-0.9)),
      button('▼', 'Move down (deeper)', () => events.onMove(0.9)),
      button('+', 'Zoom in', () => events.onZoom(0.5)),
      button('−', 'Zoom out', () => events.onZoom(2)),
    );
    this.form.appendChild(moves);

    this.colormap = select('colormap', [...colormaps.map((name): [string, string] => [name, name.endsWith('_r') ? `${name.slice(0, -2)} (reversed)` : name]), [CUSTOM, 'Custom colours…']]);
    labelled(this.form, 'Colour map', this.colormap);
    this.stops = new StopsEditor(this.form, () => this.changed());

    this.normalize = select('normalize', (Object.keys(NORMALIZE_LABELS) as Normalize[]).map((n) => [n, NORMALIZE_LABELS[n]]));
    labelled(this.form, 'Normalisation', this.normalize);
    this.windowFields = document.createElement('div');
    this.windowFields.className = 'row';
    this.vmin = numberInput('vmin', '1', 0, 255);
    this.vmax = numberInput('vmax', '1', 0, 255);
    labelled(this.windowFields, 'Min value', this.vmin);
    labelled(this.windowFields, 'Max value', this.vmax);
    this.form.appendChild(this.windowFields);

    for (const field of [this.well, this.minDepth, this.maxDepth, this.colormap, this.normalize, this.vmin, this.vmax]) {
      field.addEventListener('change', () => this.changed(field === this.well));
    }
    parent.appendChild(this.form);
  }

  /** Shows the state in the fields. */
  show(state: ViewState): void {
    this.state = state;
    this.well.value = state.well;
    this.minDepth.value = state.minDepth.toFixed(1);
    this.maxDepth.value = state.maxDepth.toFixed(1);
    this.colormap.value = state.colormap ?? CUSTOM;
    this.stops.show(state.colors, state.colormap === undefined);
    this.normalize.value = state.normalize;
    this.vmin.value = String(state.vmin);
    this.vmax.value = String(state.vmax);
    this.windowFields.hidden = state.normalize !== 'fixed';
  }

  private changed(wellChanged = false): void {
    if (!this.state) return;
    const custom = this.colormap.value === CUSTOM;
    const minDepth = Number(this.minDepth.value);
    const maxDepth = Number(this.maxDepth.value);
    const next: ViewState = {
      ...this.state,
      well: this.well.value,
      minDepth: Number.isFinite(minDepth) ? minDepth : this.state.minDepth,
      maxDepth: Number.isFinite(maxDepth) ? maxDepth : this.state.maxDepth,
      colormap: custom ? undefined : this.colormap.value || DEFAULT_COLORMAP,
      colors: this.stops.value(),
      normalize: this.normalize.value as Normalize,
      vmin: Number(this.vmin.value),
      vmax: Number(this.vmax.value),
    };
    // A new well starts at its top with the same span.
    if (wellChanged) next.minDepth = next.maxDepth = Number.NaN;
    this.events.onChange(next);
  }
}
