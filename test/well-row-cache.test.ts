import test from 'ava';
import type { CatalogEntry } from '../core/well/catalog';
import { frameOf, RowCache, rowsBytes, type WellRowsInMemory } from '../core/well/row-cache';

function entry(well: string, rows: number, width: number, version = 'v1'): CatalogEntry {
  return { well, minDepthTenths: 0, maxDepthTenths: rows - 1, rows, width, source: 's', ingestedAt: '2026-01-01T00:00:00.000Z', generation: 0, version, ticket: 0, cleanedBelow: 0 };
}

function wellRows(e: CatalogEntry, depths = Array.from({ length: e.rows }, (_, i) => i * 10)): WellRowsInMemory {
  return { entry: e, depthsTenths: depths, pixels: Uint8Array.from({ length: e.rows * e.width }, (_, i) => i % 256) };
}

test('frames are cut by depth, bounds inclusive, between and beyond the stored depths', (t) => {
  const rows = wellRows(entry('w', 4, 2), [10, 20, 30, 40]);
  t.deepEqual(frameOf(rows, 20, 30), { well: 'w', depthsTenths: [20, 30], width: 2, pixels: Uint8Array.from([2, 3, 4, 5]) });
  t.deepEqual(frameOf(rows, 11, 29)?.depthsTenths, [20]);
  t.deepEqual(frameOf(rows, -5, 10)?.depthsTenths, [10]);
  t.deepEqual(frameOf(rows, 40, Number.MAX_SAFE_INTEGER)?.depthsTenths, [40]);
  t.deepEqual(frameOf(rows, 0, 1e300)?.depthsTenths, [10, 20, 30, 40]);
  t.is(frameOf(rows, 21, 29), undefined);
  t.is(frameOf(rows, 41, 50), undefined);
  t.is(frameOf(rows, 0, 9), undefined);
});

test('only the version asked for is served; another version is dropped', (t) => {
  const cache = new RowCache(1_000_000);
  const v1 = entry('w', 3, 2, 'v1');
  cache.set(wellRows(v1));
  t.truthy(cache.get(v1));
  t.is(cache.get({ ...v1, version: 'v2' }), undefined);
  t.is(cache.get(v1), undefined, 'the replaced version is gone');
  cache.set(wellRows(v1));
  t.is(cache.get({ ...v1, generation: 1 }), undefined);
  cache.set(wellRows(v1));
  t.is(cache.get({ ...v1, ingestedAt: '2026-01-02T00:00:00.000Z' }), undefined);
});

test('the byte budget holds: least recently used wells go first, a well larger than the budget is not kept', (t) => {
  const size = rowsBytes(10, 2);
  const cache = new RowCache(size * 2);
  const [a, b, c] = ['a', 'b', 'c'].map((w) => entry(w, 10, 2));
  cache.set(wellRows(a!));
  cache.set(wellRows(b!));
  t.truthy(cache.get(a!)); // a is now more recent than b
  cache.set(wellRows(c!));
  t.truthy(cache.get(a!));
  t.truthy(cache.get(c!));
  t.is(cache.get(b!), undefined);

  const big = entry('big', 30, 2);
  t.false(cache.fits(big));
  cache.set(wellRows(big));
  t.is(cache.get(big), undefined);
  t.truthy(cache.get(a!), 'a well too big to keep evicts nothing');
  t.false(new RowCache(0).fits(a!));
});
