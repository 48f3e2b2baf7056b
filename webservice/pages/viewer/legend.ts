/** The colour scale: the map as a vertical bar, with the values its ends stand for under the chosen normalisation. */
import { ColormapError, customColormap, namedColormap, TABLE_SIZE, type ColorTable } from '../../../core/imaging/colormap';
import type { ViewState } from './view-state';

export interface WellValues {
  value_min?: number;
  value_max?: number;
}

/** The state's colour table, or undefined when its custom stops are not valid yet. */
export function tableOf(state: ViewState): ColorTable | undefined {
  if (state.colormap !== undefined) return namedColormap(state.colormap);
  try {
    return customColormap(state.colors);
  } catch (err) {
    if (err instanceof ColormapError) return undefined;
    throw err;
  }
}

function endLabels(state: ViewState, well: WellValues): [string, string] {
  switch (state.normalize) {
    case 'fixed':
      return [String(state.vmin), String(state.vmax)];
    case 'none':
      return ['0', '255'];
    case 'frame':
      return ['each tile’s min', 'each tile’s max'];
    case 'well':
      return well.value_min !== undefined && well.value_max !== undefined ? [String(well.value_min), String(well.value_max)] : ['well min', 'well max'];
  }
}

export class Legend {
  readonly element: HTMLElement;
  private readonly bar: HTMLCanvasElement;
  private readonly top: HTMLElement;
  private readonly bottom: HTMLElement;

  constructor(parent: HTMLElement) {
    this.element = document.createElement('figure');
    this.element.className = 'legend';
    const caption = document.createElement('figcaption');
    caption.textContent = 'Pixel value';
    this.top = document.createElement('div');
    this.top.className = 'legend-end';
    this.bar = document.createElement('canvas');
    this.bar.width = 1;
    this.bar.height = TABLE_SIZE;
    this.bottom = document.createElement('div');
    this.bottom.className = 'legend-end';
    this.element.append(caption, this.top, this.bar, this.bottom);
    parent.appendChild(this.element);
  }

  /** The bar runs from the map's end (top, high values) to its start (bottom). */
  draw(state: ViewState, well: WellValues): void {
    const table = tableOf(state);
    const context = this.bar.getContext('2d');
    if (!context) return;
    const image = context.createImageData(1, TABLE_SIZE);
    for (let i = 0; i < TABLE_SIZE; i++) {
      const entry = TABLE_SIZE - 1 - i;
      image.data.set(table ? [table[entry * 3]!, table[entry * 3 + 1]!, table[entry * 3 + 2]!, 255] : [200, 200, 200, 255], i * 4);
    }
    context.putImageData(image, 0, 0);
    const [low, high] = endLabels(state, well);
    this.top.textContent = high;
    this.bottom.textContent = low;
  }
}
