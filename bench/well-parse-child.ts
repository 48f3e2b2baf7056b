/**
 * Parse + resize alone, in a fresh process: `well-parse-child.ts <csv> <width> <repeats>`. The first run
 * is cold (as an ETL run is); the others give a warm median. Prints one JSON line.
 */
import { createReadStream } from 'node:fs';
import { parseWellCsv } from '../core/well/csv';
import { resizeRows } from '../core/well/resize';

async function once(file: string, width: number): Promise<{ rows: number; parseMs: number; resizeMs: number }> {
  const t0 = performance.now();
  const parsed = await parseWellCsv(createReadStream(file), { source: file });
  const t1 = performance.now();
  resizeRows(parsed.pixels, parsed.width, width);
  const t2 = performance.now();
  return { rows: parsed.depthsTenths.length, parseMs: t1 - t0, resizeMs: t2 - t1 };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const [file, widthArg, repeatsArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: well-parse-child.ts <csv> [width] [repeats]');
  const width = Number(widthArg ?? 150);
  const repeats = Number(repeatsArg ?? 5);
  const cold = await once(file, width);
  const warm = [];
  for (let i = 0; i < repeats; i++) warm.push(await once(file, width));
  process.stdout.write(
    JSON.stringify({
      rows: cold.rows,
      coldMs: cold.parseMs + cold.resizeMs,
      coldParseMs: cold.parseMs,
      coldResizeMs: cold.resizeMs,
      warmMedianMs: warm.length ? median(warm.map((w) => w.parseMs + w.resizeMs)) : undefined,
      warmMedianResizeMs: warm.length ? median(warm.map((w) => w.resizeMs)) : undefined,
    }) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
