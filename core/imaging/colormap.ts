/**
 * Colour maps as 256-entry RGB tables (SPEC §5.2): the named matplotlib maps (generated tables, decoded
 * once at module load) and custom maps built exactly as matplotlib's
 * LinearSegmentedColormap.from_list(name, colors, N=256) followed by lut[i] = uint8(cmap(i/255) * 255).
 */
import { COLORMAP_TABLES_HEX } from './colormap-tables';

/** 256 RGB entries: entry i is bytes [3i, 3i+3). */
export type ColorTable = Uint8Array;

export const TABLE_SIZE = 256;
/** More stops than table entries cannot change the table; the cap keeps parsing cheap. */
export const MAX_CUSTOM_STOPS = TABLE_SIZE;

/** A custom map that cannot be built; the message names the offending token. */
export class ColormapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ColormapError';
  }
}

/** Hex text to bytes, without Buffer: the viewer page (a browser) draws its legend from these tables too. */
function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

const NAMED_TABLES: ReadonlyMap<string, ColorTable> = new Map(Object.entries(COLORMAP_TABLES_HEX).map(([name, hex]) => [name, hexBytes(hex)]));

/** Every named map, in generation order: each matplotlib name followed by its `_r` variant. */
export const COLORMAP_NAMES: readonly string[] = [...NAMED_TABLES.keys()];

/** The table of a named map (case-sensitive, as matplotlib), or undefined when unknown. */
export function namedColormap(name: string): ColorTable | undefined {
  return NAMED_TABLES.get(name);
}

interface ColorStop {
  position: number | undefined;
  rgb: [number, number, number];
}

const HEX_COLOR = /^#?([0-9a-fA-F]{6})$/;
const POSITION = /^\+?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseStop(token: string, index: number): ColorStop {
  const where = `token ${index + 1} ("${token}")`;
  const colon = token.indexOf(':');
  const positionText = colon === -1 ? undefined : token.slice(0, colon).trim();
  const colorText = (colon === -1 ? token : token.slice(colon + 1)).trim();
  const color = HEX_COLOR.exec(colorText);
  if (!color) throw new ColormapError(`colors: ${where} is not a colour; expected RRGGBB hex or POSITION:RRGGBB`);
  const hex = color[1]!;
  const rgb: [number, number, number] = [0, 2, 4].map((at) => parseInt(hex.slice(at, at + 2), 16)) as [number, number, number];
  if (positionText === undefined) return { position: undefined, rgb };
  const position = POSITION.test(positionText) ? Number(positionText) : NaN;
  if (!(position >= 0 && position <= 1)) throw new ColormapError(`colors: ${where} has position "${positionText}"; positions are numbers from 0 to 1`);
  return { position, rgb };
}

/** numpy.linspace(0, 1, n): i * (1 / (n - 1)), the last one exactly 1. */
function linspace01(n: number): Float64Array {
  const out = new Float64Array(n);
  const step = 1 / (n - 1);
  for (let i = 0; i < n; i++) out[i] = i * step;
  out[n - 1] = 1;
  return out;
}

function parseStops(spec: string): { positions: Float64Array; colors: number[][] } {
  const tokens = spec.split(',').map((t) => t.trim());
  if (tokens.length < 2) throw new ColormapError(`colors: at least two colours are needed, got ${tokens[0] === '' ? 'none' : `only "${tokens[0]}"`}`);
  if (tokens.length > MAX_CUSTOM_STOPS) throw new ColormapError(`colors: at most ${MAX_CUSTOM_STOPS} colours, got ${tokens.length}`);
  const stops = tokens.map(parseStop);
  const positioned = stops.filter((s) => s.position !== undefined).length;
  if (positioned !== 0 && positioned !== stops.length) {
    // The first token sets the style; the first token that breaks it is the bad one.
    const withPositions = stops[0]!.position !== undefined;
    const odd = stops.findIndex((s) => (s.position !== undefined) !== withPositions);
    throw new ColormapError(`colors: token ${odd + 1} ("${tokens[odd]}"): give a position for every colour or for none`);
  }
  let positions: Float64Array;
  if (positioned === 0) {
    positions = linspace01(stops.length);
  } else {
    positions = Float64Array.from(stops, (s) => s.position as number);
    if (positions[0] !== 0) throw new ColormapError(`colors: token 1 ("${tokens[0]}"): the first position must be 0`);
    if (positions[positions.length - 1] !== 1) throw new ColormapError(`colors: token ${tokens.length} ("${tokens[tokens.length - 1]}"): the last position must be 1`);
    for (let i = 1; i < positions.length; i++) {
      if (positions[i]! < positions[i - 1]!) throw new ColormapError(`colors: token ${i + 1} ("${tokens[i]}"): positions must not decrease`);
    }
  }
  // matplotlib.colors.to_rgba: each hex byte / 255 as a float.
  const colors = stops.map((s) => s.rgb.map((byte) => byte / 255));
  return { positions, colors };
}

/**
 * matplotlib.colors._create_lookup_table(N=256, data, gamma=1) for one channel whose segment data is
 * (x, y, y) per stop (what from_list builds), clipped to [0, 1].
 */
function channelLookup(x01: Float64Array, y: number[]): Float64Array {
  const n = TABLE_SIZE;
  const x = x01.map((v) => v * (n - 1));
  const grid = linspace01(n);
  const lut = new Float64Array(n);
  lut[0] = y[0]!;
  lut[n - 1] = y[y.length - 1]!;
  let ind = 1;
  for (let k = 1; k < n - 1; k++) {
    const xind = (n - 1) * grid[k]!;
    // numpy.searchsorted(x, xind, side='left'): first ind with x[ind] >= xind; xind only grows with k.
    while (x[ind]! < xind) ind++;
    const distance = (xind - x[ind - 1]!) / (x[ind]! - x[ind - 1]!);
    lut[k] = distance * (y[ind]! - y[ind - 1]!) + y[ind - 1]!;
  }
  return lut.map((v) => Math.min(1, Math.max(0, v)));
}

/**
 * A custom map from `000000,8b4513,ffff00` (evenly spaced) or `0:000000,0.3:8b4513,1:ffff00`.
 * Throws ColormapError naming the bad token.
 */
export function customColormap(spec: string): ColorTable {
  const { positions, colors } = parseStops(spec);
  const table = new Uint8Array(TABLE_SIZE * 3);
  for (let channel = 0; channel < 3; channel++) {
    const lut = channelLookup(
      positions,
      colors.map((c) => c[channel]!),
    );
    // cmap(i / 255) reads entry min(255, floor(i / 255 * 256)) = i; uint8() truncates.
    for (let i = 0; i < TABLE_SIZE; i++) table[i * 3 + channel] = Math.trunc(lut[i]! * 255);
  }
  return table;
}
