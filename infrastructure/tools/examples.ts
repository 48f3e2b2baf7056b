/**
 * What `make` prints at the end: the service URL, the docs, and curl lines that work when pasted,
 * built from what the running service really holds (the latest datamart year, the well's depths).
 *
 *   tsx infrastructure/tools/examples.ts --challenge-dir DIR --url http://127.0.0.1:8080 [--synthetic]
 */
import { isCliEntry } from '../cli-entry';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadChallengeConfig, type ChallengeConfig } from '../../core/config';
import { errorMessage } from '../../core/log';
import { PAGES } from '../../webservice/pages/registry';

interface WellListing {
  well_id: string;
  min_depth: number;
  max_depth: number;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

const curl = (url: string, output?: string): string => `curl ${output ? `-o ${output} ` : ''}'${url}'`;

async function plantExamples(base: string): Promise<string[]> {
  const years = await getJson<number[]>(`${base}/years`);
  if (years.length === 0) return ['(no datamart yet: run make preprocess)'];
  const year = Math.max(...years);
  const query = `year=${year}&state=AL&top_n=4`;
  return [
    `# the top 4 plants of Alabama in ${year} (the original call), then the same as GeoJSON for a map`,
    curl(`${base}/plants?${query}`),
    curl(`${base}/plants?${query}&format=geojson`),
    `# every state's plants and total generation`,
    curl(`${base}/states?year=${year}`),
    `# fuel categories with their counts, then Texas' top 5 solar plants, then the top 10 inside a map viewport`,
    curl(`${base}/fuels?year=${year}`),
    curl(`${base}/plants?year=${year}&state=TX&fuel=SOLAR&top_n=5`),
    curl(`${base}/plants?year=${year}&bbox=-107,25,-93,37&top_n=10&format=geojson`),
  ];
}

async function imagerExamples(base: string, config: ChallengeConfig): Promise<string[]> {
  const wells = await getJson<WellListing[]>(`${base}/imagers`);
  const well = wells.find((w) => w.well_id === config.well_id) ?? wells[0];
  if (!well) return ['(no well ingested yet: run make preprocess)'];
  const depth = (tenths: number): string => (tenths / 10).toFixed(1);
  const min = Math.round(well.min_depth * 10);
  const max = Math.round(well.max_depth * 10);
  const frame = `${base}/imagers/${encodeURIComponent(well.well_id)}`;
  const json = `min_depth=${depth(min)}&max_depth=${depth(Math.min(min + 2, max))}`;
  const png = `min_depth=${depth(min)}&max_depth=${depth(Math.min(min + 500, max))}`;
  return [
    `# three rows of well ${well.well_id} as JSON (grey levels 0-255)`,
    curl(`${frame}?${json}`),
    `# up to 50 ft of it as a PNG with a matplotlib colour map, then with a custom one (black, brown, yellow)`,
    curl(`${frame}?${png}&colormap=gist_earth&format=png`, '/tmp/frame_gist_earth.png'),
    curl(`${frame}?${png}&colors=000000,8b4513,ffff00&format=png`, '/tmp/frame_custom.png'),
    `# the whole well averaged to 500 rows, coloured by the well's own value range (steady colours along depth)`,
    curl(`${frame}?min_depth=${depth(min)}&max_depth=${depth(max)}&height=500&colormap=gist_earth&normalize=well&format=png`, '/tmp/well_500_rows.png'),
    `# the wells, and the colour map names`,
    curl(`${base}/imagers`),
    curl(`${base}/colormaps`),
  ];
}

export async function examples(config: ChallengeConfig, base: string): Promise<string[]> {
  const lines: string[] = [];
  if (config.service_routes.includes('plants')) lines.push(...(await plantExamples(base)));
  if (config.service_routes.includes('imagers')) lines.push(...(await imagerExamples(base, config)));
  return lines;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { 'challenge-dir': { type: 'string' }, url: { type: 'string' }, synthetic: { type: 'boolean' } } });
  if (!values.url) throw new Error('usage: examples.ts --challenge-dir DIR --url URL [--synthetic]');
  const config = loadChallengeConfig(path.resolve(values['challenge-dir'] ?? '.'));
  const base = values.url.replace(/\/+$/, '');
  const lines = await examples(config, base);
  // The pages first: what a person opens (webservice/pages/registry.ts lists them by route group).
  const pages = PAGES.filter((page) => config.service_routes.includes(page.group));
  const out = [
    '',
    ...pages.map((page) => `${page.title}: ${base}${page.route}`),
    `${config.challenge} is running: ${base}`,
    `  API docs (Swagger UI): ${base}/docs`,
    `  OpenAPI document:      ${base}/openapi.json`,
    ...(values.synthetic ? ['  data: the SYNTHETIC sample (made-up values); set test_data_file in infrastructure/config.yml for the real file'] : []),
    '',
    'Try:',
    ...lines.map((line) => `  ${line}`),
    '',
    'make stop: stop it (data kept)   make clean: remove everything it created',
    '',
  ];
  console.log(out.join('\n'));
}

if (isCliEntry(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`examples: ${errorMessage(err)}`);
    process.exitCode = 1;
  });
}
