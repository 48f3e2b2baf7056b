/**
 * The custom colour map editor: stops of a colour and a position (0–1), written as the API's `colors`
 * parameter (`0:000000,0.5:8b4513,1:ffff00`). At least two stops; positions are kept as typed and the
 * service checks them (an invalid map keeps the legend grey and the status says why).
 */
interface Stop {
  position: number;
  color: string;
}

const MIN_STOPS = 2;
const MAX_STOPS = 8;

function parse(colors: string): Stop[] {
  const tokens = colors.split(',').map((t) => t.trim()).filter(Boolean);
  return tokens.map((token, i) => {
    const [position, color] = token.includes(':') ? token.split(':') : [String(tokens.length > 1 ? i / (tokens.length - 1) : 0), token];
    return { position: Number(position), color: `#${(color ?? '000000').replace(/^#/, '').toLowerCase()}` };
  });
}

export class StopsEditor {
  private readonly fieldset: HTMLFieldSetElement;
  private readonly list: HTMLElement;
  private readonly add: HTMLButtonElement;
  private stops: Stop[] = [];

  constructor(parent: HTMLElement, private readonly onChange: () => void) {
    this.fieldset = document.createElement('fieldset');
    this.fieldset.className = 'stops';
    const legend = document.createElement('legend');
    legend.textContent = 'Colour stops (position 0–1)';
    this.list = document.createElement('div');
    this.add = document.createElement('button');
    this.add.type = 'button';
    this.add.textContent = 'Add stop';
    this.add.addEventListener('click', () => {
      const last = this.stops[this.stops.length - 1];
      this.stops.push({ position: 1, color: last?.color ?? '#ffffff' });
      this.stops.sort((a, b) => a.position - b.position);
      this.render();
      this.onChange();
    });
    this.fieldset.append(legend, this.list, this.add);
    parent.appendChild(this.fieldset);
  }

  show(colors: string, visible: boolean): void {
    this.fieldset.hidden = !visible;
    if (colors !== this.value()) {
      this.stops = parse(colors);
      this.render();
    }
  }

  value(): string {
    return this.stops.map((s) => `${s.position}:${s.color.replace('#', '')}`).join(',');
  }

  private render(): void {
    const rows = this.stops.map((stop, i) => {
      const row = document.createElement('div');
      row.className = 'stop';
      const color = document.createElement('input');
      color.type = 'color';
      color.value = stop.color;
      color.setAttribute('aria-label', `Stop ${i + 1} colour`);
      color.addEventListener('change', () => {
        stop.color = color.value;
        this.onChange();
      });
      const position = document.createElement('input');
      position.type = 'number';
      position.min = '0';
      position.max = '1';
      position.step = '0.05';
      position.value = String(stop.position);
      position.setAttribute('aria-label', `Stop ${i + 1} position`);
      position.addEventListener('change', () => {
        stop.position = Number(position.value);
        this.onChange();
      });
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = '×';
      remove.setAttribute('aria-label', `Remove stop ${i + 1}`);
      remove.disabled = this.stops.length <= MIN_STOPS;
      remove.addEventListener('click', () => {
        this.stops.splice(i, 1);
        this.render();
        this.onChange();
      });
      row.append(color, position, remove);
      return row;
    });
    this.list.replaceChildren(...rows);
    this.add.disabled = this.stops.length >= MAX_STOPS;
  }
}
