/**
 * Frames are fetched as tiles of fixed depth spans, aligned on multiples of the span, so the same tile
 * is asked for with the same URL whatever the view (the browser's cache and the service's 304s work).
 * A tile covers [start, start + span − 0.1 ft] (ranges are inclusive, rows are 0.1 ft apart), clipped
 * to the well's depths; tiles of more rows than MAX_TILE_ROWS are asked for with `height`.
 */
import { roundTenth } from './view-state';

/** Tile spans in feet, smallest first. */
export const TILE_SPANS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
/** More rows than this in a tile are averaged by the service (height=). */
export const MAX_TILE_ROWS = 1000;

export interface Tile {
  /** Depths the tile's rows cover, inclusive, in feet. */
  minDepth: number;
  maxDepth: number;
  /** Rows asked for (`height`), when the tile holds more rows than shown. */
  height: number | undefined;
}

/** The smallest span whose 1.5 tiles cover the view: two or three tiles on screen. */
export function tileSpanFor(viewSpan: number): number {
  return TILE_SPANS.find((span) => span * 1.5 >= viewSpan) ?? TILE_SPANS[TILE_SPANS.length - 1]!;
}

/** The tiles covering [from, to] (feet), inside the well's depths [wellMin, wellMax]. */
export function tilesCovering(from: number, to: number, span: number, wellMin: number, wellMax: number): Tile[] {
  const tiles: Tile[] = [];
  const first = Math.floor(Math.max(from, wellMin) / span) * span;
  for (let start = first; start <= Math.min(to, wellMax); start += span) {
    const minDepth = roundTenth(Math.max(start, wellMin));
    const maxDepth = roundTenth(Math.min(start + span - 0.1, wellMax));
    if (maxDepth < minDepth) continue;
    const rows = Math.round((maxDepth - minDepth) * 10) + 1;
    tiles.push({ minDepth, maxDepth, height: rows > MAX_TILE_ROWS ? MAX_TILE_ROWS : undefined });
  }
  return tiles;
}
