/**
 * fast-check arbitraries for hostile requests built from the service's own OpenAPI document: for every
 * GET operation, its path with odd path segments, and query strings where each parameter is absent,
 * given once or repeated, with values that are sometimes valid (hitting real data) and often not: wrong
 * types, huge numbers, NaN, Infinity, negatives, unicode, very long strings, broken percent-encoding,
 * plus unknown parameters and odd Accept headers.
 */
import fc from 'fast-check';

interface Schema {
  type?: string;
  format?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  $ref?: string;
}

interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  schema: Schema;
}

export interface OpenApi {
  paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface ApiRequest {
  operation: string;
  /** Path and query, percent-encoded as sent. */
  target: string;
  headers: Record<string, string>;
}

/** How a request is shown in fast-check's counterexamples: long targets cut, with their length. */
export function shortTarget(target: string): string {
  return target.length <= 300 ? target : `${target.slice(0, 240)}...(${target.length} characters)...${target.slice(-40)}`;
}

function withShortDisplay(request: ApiRequest): ApiRequest {
  return Object.assign(request, { [fc.toStringMethod]: () => `GET ${shortTarget(request.target)} ${JSON.stringify(request.headers)}` });
}

/** Values the real data answers to, so some requests get past validation into the stores. */
/** Request targets stay under Node's 16 KB limit on a request head, so they reach the application. */
export const MAX_TARGET_LENGTH = 15_000;

export interface KnownValues {
  wellIds: string[];
  colormaps: string[];
  minDepth: number;
  maxDepth: number;
}

const hugeNumbers = fc.constantFrom('1e308', '-1e308', '1e309', '-1e309', '9'.repeat(400), '1e-400', '-0', '0x10', '1_000', '1,5', ' 4 ', '+3', '.5', '5.', '2e3', '017');
const specialNumbers = fc.constantFrom('NaN', 'nan', 'Infinity', '-Infinity', 'inf', 'null', 'undefined', 'true', 'false', '[]', '{}', '[1]', '');
const wrongTypes = fc.constantFrom('abc', 'AL', 'json', 'png', 'geojson', '😀', '\u0000', '<script>', "'; DROP TABLE x;--", '../../etc/passwd', '%', '%zz', '%00', '%C0%AF');
const unicodeText = fc.string({ unit: 'grapheme', maxLength: 30 });
const veryLong = fc.tuple(fc.constantFrom('a', '9', 'é', '%', '0,'), fc.integer({ min: 1000, max: 5000 })).map(([s, n]) => s.repeat(n));

/** A raw string value; `encode` false keeps it as typed (percent sequences included) when it is URL-safe. */
const hostile = fc.oneof(hugeNumbers, specialNumbers, wrongTypes, unicodeText, veryLong, fc.double().map(String), fc.integer().map(String), fc.bigInt().map(String));

function resolve(schema: Schema, api: OpenApi): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.split('/').at(-1)!;
  return api.components?.schemas?.[name] ?? {};
}

function plausible(name: string, schema: Schema, known: KnownValues): fc.Arbitrary<string> {
  const hints: Record<string, fc.Arbitrary<string>> = {
    well_id: fc.constantFrom(...known.wellIds),
    state: fc.constantFrom('AL', 'al', 'Tx', 'ZZ', 'DC', 'PR'),
    year: fc.constantFrom('2018', '2017', '1990', '2089'),
    colormap: fc.constantFrom(...known.colormaps),
    colors: fc.constantFrom('000000,8b4513,ffff00', '0:000000,0.3:8b4513,1:ffff00', 'ffffff', '0:000000,1:ffffff', '1:000000,0:ffffff', '0:000000,0.5:', 'zzzzzz,000000', ',', '0.5:000000,1:ffffff'),
    min_depth: fc.double({ min: known.minDepth - 10, max: known.maxDepth, noNaN: true }).map((d) => d.toFixed(1)),
    max_depth: fc.double({ min: known.minDepth, max: known.maxDepth + 10, noNaN: true }).map((d) => d.toFixed(1)),
    depth_min: fc.double({ min: known.minDepth - 10, max: known.maxDepth, noNaN: true }).map((d) => d.toFixed(1)),
    depth_max: fc.double({ min: known.minDepth, max: known.maxDepth + 10, noNaN: true }).map((d) => d.toFixed(1)),
  };
  const hint = hints[name];
  if (hint) return hint;
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -5, max: Math.min(schema.maximum ?? 5000, 5000) }).map(String);
    case 'number':
      return fc.double().map(String);
    case 'boolean':
      return fc.constantFrom('true', 'false');
    default:
      return unicodeText;
  }
}

/** Percent-encodes a value, or (sometimes) sends it raw when every character may appear in a URL as is. */
const encoded = (value: string, raw: boolean): string => (raw && /^[\x21-\x7e]*$/.test(value) && !/[#&=?/]/.test(value) ? value : encodeURIComponent(value));

/** Aliases and mutually exclusive parameters are mostly left out, so more requests get past validation. */
const ABSENT_WEIGHT: Record<string, number> = { depth_min: 10, depth_max: 10, colors: 8, colormap: 3 };

/** The depth range is needed for a frame: well-formed requests mostly give it. */
const PRESENT_WEIGHT: Record<string, number> = { min_depth: 12, max_depth: 12 };

/** A parameter absent, given once (plausible or hostile), or repeated. */
function occurrences(name: string, schema: Schema, known: KnownValues): fc.Arbitrary<string[]> {
  const good = plausible(name, schema, known);
  return fc.oneof(
    { arbitrary: fc.constant<string[]>([]), weight: ABSENT_WEIGHT[name] ?? 2 },
    { arbitrary: good.map((v) => [v]), weight: 4 },
    { arbitrary: hostile.map((v) => [v]), weight: 2 },
    { arbitrary: fc.array(fc.oneof(good, hostile), { minLength: 2, maxLength: 3 }), weight: 1 },
  );
}

function queryArbitrary(params: Parameter[], api: OpenApi, known: KnownValues): fc.Arbitrary<string> {
  const perParameter = params.map((p) =>
    fc.tuple(occurrences(p.name, resolve(p.schema, api), known), fc.boolean()).map(([values, raw]) => values.map((v) => `${p.name}=${encoded(v, raw)}`)),
  );
  const unknown = fc.array(fc.tuple(fc.constantFrom('foo', 'top_n[]', 'state[x]', '', '%', 'year%00', '__proto__', 'constructor'), hostile), { maxLength: 2 }).map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`));
  return fc
    .tuple(fc.tuple(...perParameter), unknown, fc.boolean())
    .chain(([given, extra, bare]) => fc.shuffledSubarray([...given.flat(), ...extra, ...(bare ? ['year', 'state&', '&&', '='] : [])], { minLength: 0 }))
    .map((parts) => parts.join('&'));
}

const oddSegments = fc.constantFrom('..', '.', '%2e%2e', '%2F', 'a%2Fb', '%00', '%', '%zz', '~', ';x=1', 'extra', '%20', '%F0%9F%98%80', '');

function pathArbitrary(template: string, params: Parameter[], known: KnownValues): fc.Arbitrary<string> {
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const segment = (name: string): fc.Arbitrary<string> =>
    fc.oneof(
      { arbitrary: plausible(name, params.find((p) => p.name === name)?.schema ?? {}, known).map((v) => encodeURIComponent(v)), weight: 3 },
      { arbitrary: fc.oneof(unicodeText, veryLong, wrongTypes).map((v) => encodeURIComponent(v)), weight: 2 },
      { arbitrary: oddSegments, weight: 1 },
    );
  return fc.tuple(fc.tuple(...names.map(segment)), fc.oneof({ arbitrary: fc.constant(null), weight: 5 }, { arbitrary: oddSegments, weight: 1 })).map(([values, suffix]) => {
    let path = template;
    names.forEach((name, i) => (path = path.replace(`{${name}}`, values[i]!)));
    return suffix === null ? path : `${path}/${suffix}`;
  });
}

/** The path with plausible values only. */
function plainPath(template: string, params: Parameter[], known: KnownValues): fc.Arbitrary<string> {
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  return fc.tuple(...names.map((name) => plausible(name, params.find((p) => p.name === name)?.schema ?? {}, known))).map((values) => {
    let path = template;
    names.forEach((name, i) => (path = path.replace(`{${name}}`, encodeURIComponent(values[i]!))));
    return path;
  });
}

/** Each parameter at most once with a plausible value (aliases and exclusive ones mostly absent): these reach the data. */
function wellFormedQuery(params: Parameter[], api: OpenApi, known: KnownValues): fc.Arbitrary<string> {
  const parts = params.map((p) =>
    fc.oneof(
      { arbitrary: fc.constant<string | null>(null), weight: ABSENT_WEIGHT[p.name] ?? 1 },
      { arbitrary: plausible(p.name, resolve(p.schema, api), known).map((v): string | null => `${p.name}=${encodeURIComponent(v)}`), weight: PRESENT_WEIGHT[p.name] ?? 2 },
    ),
  );
  return fc.tuple(...parts).map((given) => orderedDepths(given.filter((part): part is string => part !== null)).join('&'));
}

/** min_depth=a&max_depth=b with a <= b (a reversed range is the hostile branch's business). */
function orderedDepths(parts: string[]): string[] {
  const at = (name: string): number => parts.findIndex((p) => p.startsWith(`${name}=`));
  const [min, max] = [at('min_depth'), at('max_depth')];
  if (min < 0 || max < 0) return parts;
  const value = (i: number): number => Number(decodeURIComponent(parts[i]!.split('=')[1]!));
  if (value(min) <= value(max)) return parts;
  const swapped = [...parts];
  swapped[min] = `min_depth=${parts[max]!.split('=')[1]}`;
  swapped[max] = `max_depth=${parts[min]!.split('=')[1]}`;
  return swapped;
}

const acceptHeaders = fc.constantFrom(undefined, 'application/json', 'image/png', 'application/geo+json', '*/*', 'text/html', 'image/png;q=0.1, application/json', 'garbage/;;;', '');

export function requestArbitrary(api: OpenApi, known: KnownValues): fc.Arbitrary<ApiRequest> {
  const operations = Object.entries(api.paths).flatMap(([template, ops]) =>
    Object.entries(ops)
      .filter(([method]) => method === 'get')
      .map(([, op]) => {
        const params = op.parameters ?? [];
        const query = params.filter((p) => p.in === 'query');
        const hostileRequest = fc.record({ path: pathArbitrary(template, params, known), query: queryArbitrary(query, api, known), accept: acceptHeaders });
        const wellFormedRequest = fc.record({ path: plainPath(template, params, known), query: wellFormedQuery(query, api, known), accept: acceptHeaders });
        return fc
          .oneof({ arbitrary: hostileRequest, weight: 3 }, { arbitrary: wellFormedRequest, weight: 1 })
          .map(({ path, query, accept }): ApiRequest => withShortDisplay({ operation: `GET ${template}`, target: query ? `${path}?${query}` : path, headers: accept === undefined ? {} : { accept } }));
      }),
  );
  if (operations.length === 0) throw new Error('the OpenAPI document has no GET operation');
  // Node's HTTP parser answers a request head over 16 KB itself (see the oversized-request test).
  return fc.oneof(...operations).filter((request) => request.target.length <= MAX_TARGET_LENGTH);
}

/** Every GET operation of the document, "GET /path". */
export function operationsOf(api: OpenApi): string[] {
  return Object.entries(api.paths).flatMap(([template, ops]) => Object.keys(ops).filter((m) => m === 'get').map(() => `GET ${template}`));
}
