import test from 'ava';
import { readFileSync } from 'node:fs';
import { COLORMAP_NAMES, ColormapError, customColormap, namedColormap, type ColorTable } from '../core/imaging/colormap';
import { requireShared } from './helpers/shared';

interface GoldenColormaps {
  matplotlib: string;
  luts: Record<string, [number, number, number][]>;
}

const entry = (table: ColorTable, i: number): number[] => [table[i * 3]!, table[i * 3 + 1]!, table[i * 3 + 2]!];
const entries = (table: ColorTable): number[][] => Array.from({ length: 256 }, (_, i) => entry(table, i));

test('every named map equals matplotlib in all 256 entries (golden file)', (t) => {
  const file = requireShared(t, 'golden', 'colormaps_matplotlib.json');
  if (!file) return;
  const golden = JSON.parse(readFileSync(file, 'utf8')) as GoldenColormaps;
  const names = Object.keys(golden.luts);
  t.is(names.length, 26);
  for (const name of names) {
    const table = namedColormap(name);
    if (!table) {
      t.fail(`${name} missing`);
      continue;
    }
    t.deepEqual(entries(table), golden.luts[name], name);
  }
  t.deepEqual(COLORMAP_NAMES.filter((n) => !n.endsWith('_r')).sort(), [...names].sort());
});

test('every map has an _r variant that runs the table backwards (matplotlib re-interpolates: within 2 levels)', (t) => {
  const plain = COLORMAP_NAMES.filter((n) => !n.endsWith('_r'));
  t.is(COLORMAP_NAMES.length, plain.length * 2);
  for (const name of plain) {
    const table = namedColormap(name)!;
    const reversed = namedColormap(`${name}_r`);
    if (!reversed) {
      t.fail(`${name}_r missing`);
      continue;
    }
    let worst = 0;
    for (let i = 0; i < 256; i++) {
      const a = entry(table, i);
      const b = entry(reversed, 255 - i);
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(a[c]! - b[c]!));
    }
    t.true(worst <= 2, `${name}_r differs from the reversed table by ${worst}`);
  }
  // Listed maps reverse exactly; and the ends swap for every map.
  t.deepEqual(entries(namedColormap('viridis_r')!), entries(namedColormap('viridis')!).reverse());
  t.deepEqual(entry(namedColormap('gist_earth_r')!, 0), entry(namedColormap('gist_earth')!, 255));
});

test('unknown names are undefined, lookups are case-sensitive as matplotlib', (t) => {
  t.is(namedColormap('nope'), undefined);
  t.is(namedColormap('greys'), undefined);
  t.truthy(namedColormap('Greys'));
  t.is(namedColormap('Greys_r_r'), undefined);
});

// Hand computation for 000000, 8b4513 (139, 69, 19), ffff00 evenly spaced: stops at 0, 127.5, 255 on the
// 0..255 grid; entry i is linear between its two stops, then truncated. i = 127: 127/127.5 of the way to
// 8b4513 -> (138.45, 68.73, 18.93) -> (138, 68, 18); i = 128: 0.5/127.5 past it -> (139.45, 69.73, 18.93).
test('custom evenly spaced map: hand-computed entries', (t) => {
  const table = customColormap('000000,8b4513,ffff00');
  t.deepEqual(entry(table, 0), [0, 0, 0]);
  t.deepEqual(entry(table, 1), [1, 0, 0]); // 139/127.5 = 1.09
  t.deepEqual(entry(table, 64), [69, 34, 9]); // 64/127.5 × (139, 69, 19) = (69.77, 34.64, 9.54)
  t.deepEqual(entry(table, 127), [138, 68, 18]);
  t.deepEqual(entry(table, 128), [139, 69, 18]);
  t.deepEqual(entry(table, 200), [204, 174, 8]); // 72.5/127.5 of the way to ffff00: (204.96, 174.76, 8.20)
  t.deepEqual(entry(table, 255), [255, 255, 0]);
});

// Stops at 0, 76.5 and 255: i = 76 -> 76/76.5 × (139, 69, 19) = (138.09, 68.55, 18.88);
// i = 77 -> 0.5/178.5 past 8b4513 = (139.32, 69.52, 18.95).
test('custom map with positions: hand-computed entries', (t) => {
  const table = customColormap('0:000000,0.3:8b4513,1:ffff00');
  t.deepEqual(entry(table, 0), [0, 0, 0]);
  t.deepEqual(entry(table, 76), [138, 68, 18]);
  t.deepEqual(entry(table, 77), [139, 69, 18]);
  t.deepEqual(entry(table, 255), [255, 255, 0]);
  t.notDeepEqual(entries(table), entries(customColormap('000000,8b4513,ffff00')));
});

test('custom maps accept #, upper case, spaces and a hard step (equal positions)', (t) => {
  t.deepEqual(customColormap(' #FF0000 , 0000ff'), customColormap('ff0000,0000ff'));
  const step = customColormap('0:000000,0.5:000000,0.5:ffffff,1:ffffff');
  t.deepEqual(entry(step, 127), [0, 0, 0]);
  t.deepEqual(entry(step, 128), [255, 255, 255]);
});

test('custom map errors name the bad token', (t) => {
  const cases: [string, RegExp][] = [
    ['', /at least two colours/],
    ['ff0000', /at least two colours.*"ff0000"/],
    ['ff0000,zz0000', /token 2 \("zz0000"\) is not a colour/],
    ['ff0000,fff', /token 2 \("fff"\) is not a colour/],
    ['ff0000,,00ff00', /token 2 \(""\) is not a colour/],
    ['0:ff0000,x:00ff00', /token 2 \("x:00ff00"\) has position "x"/],
    ['0:ff0000,1.5:00ff00', /token 2 .* has position "1.5"/],
    ['0:ff0000,NaN:00ff00', /has position "NaN"/],
    ['0:ff0000,00ff00', /token 2 \("00ff00"\): give a position for every colour or for none/],
    ['0.1:ff0000,1:00ff00', /token 1 .*first position must be 0/],
    ['0:ff0000,0.9:00ff00', /token 2 .*last position must be 1/],
    ['0:ff0000,0.6:00ff00,0.4:0000ff,1:000000', /token 3 \("0.4:0000ff"\): positions must not decrease/],
    [Array.from({ length: 257 }, () => '000000').join(','), /at most 256 colours, got 257/],
  ];
  for (const [spec, message] of cases) {
    const err = t.throws(() => customColormap(spec), { instanceOf: ColormapError }, spec);
    t.regex(err?.message ?? '', message, spec);
  }
});
