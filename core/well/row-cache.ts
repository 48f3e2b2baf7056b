/**
 * Every row of recently read wells, in memory, bounded in bytes (least recently used out first), each
 * tagged with the catalog entry it was read under. It only answers for the version it is asked for:
 * the store asks with the entry it has just read from the catalog, so rows of a replaced ingest are
 * never served, and are dropped as soon as that is seen.
 */
import { sameVersion, type CatalogEntry } from './catalog';
import type { ImageFrame } from './types';

/** Every row of one version of a well, in depth order. */
export interface WellRowsInMemory {
  entry: CatalogEntry;
  depthsTenths: number[];
  /** depthsTenths.length × entry.width bytes. */
  pixels: Uint8Array;
}

/** Memory a well's rows take: pixels plus a number per depth. */
export const rowsBytes = (rows: number, width: number): number => rows * (width + 8);

/** First index whose depth is above tenths (inclusive: false) or at least tenths (inclusive: true). */
function firstIndex(depths: number[], tenths: number, inclusive: boolean): number {
  let lo = 0;
  let hi = depths.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (depths[mid]! < tenths || (!inclusive && depths[mid] === tenths)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rows with minTenths <= depth <= maxTenths; undefined when none. The pixels are a view of the cached
 * rows, not a copy (nothing writes into a frame's pixels): a frame of the whole well costs no memory.
 */
export function frameOf(rows: WellRowsInMemory, minTenths: number, maxTenths: number): ImageFrame | undefined {
  const from = firstIndex(rows.depthsTenths, minTenths, true);
  const to = firstIndex(rows.depthsTenths, maxTenths, false);
  if (to <= from) return undefined;
  const width = rows.entry.width;
  return { well: rows.entry.well, depthsTenths: rows.depthsTenths.slice(from, to), width, pixels: rows.pixels.subarray(from * width, to * width) };
}

export class RowCache {
  /** Insertion order is recency order: the first key is the least recently used. */
  private readonly wells = new Map<string, WellRowsInMemory>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Whether a well described by this entry may be kept at all. */
  fits(entry: CatalogEntry): boolean {
    return this.maxBytes > 0 && rowsBytes(entry.rows, entry.width) <= this.maxBytes;
  }

  /** The well's rows if they are of this very version; rows of another version are dropped. */
  get(entry: CatalogEntry): WellRowsInMemory | undefined {
    const rows = this.wells.get(entry.well);
    if (!rows) return undefined;
    this.delete(entry.well);
    if (!sameVersion(rows.entry, entry)) return undefined;
    this.wells.set(entry.well, rows);
    this.bytes += rowsBytes(rows.depthsTenths.length, rows.entry.width);
    return rows;
  }

  set(rows: WellRowsInMemory): void {
    const size = rowsBytes(rows.depthsTenths.length, rows.entry.width);
    if (this.maxBytes <= 0 || size > this.maxBytes) return;
    this.delete(rows.entry.well);
    this.wells.set(rows.entry.well, rows);
    this.bytes += size;
    for (const [well] of this.wells) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(well);
    }
  }

  private delete(well: string): void {
    const rows = this.wells.get(well);
    if (!rows) return;
    this.wells.delete(well);
    this.bytes -= rowsBytes(rows.depthsTenths.length, rows.entry.width);
  }
}
