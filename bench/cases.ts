/**
 * The API cases: the same requests against the project's services and the reference's. The frames
 * are of the sample well (depths 9000.1 to 9546.0 in steps of 0.1 ft): 500 rows from 9000.1 to 9050.0,
 * 10 rows from 9000.1 to 9001.0, colour-mapped with gist_earth.
 */
export type ServiceKind = 'plants' | 'imagers';

export interface ApiCase {
  id: string;
  label: string;
  service: ServiceKind;
  path: string;
  /** The same request to the reference; null when the reference has no such route. */
  referencePath: string | null;
  /** What a correct answer holds (checked once before loading). */
  expect: { type: 'json-array'; length?: number } | { type: 'frame-json'; rows: number } | { type: 'png'; rows: number };
}

const WELL = 'test-well';
const frame = (min: string, max: string, extra = ''): string => `/imagers/${WELL}?min_depth=${min}&max_depth=${max}&colormap=gist_earth${extra}`;

export const PLANTS_AL_TOP4: ApiCase = {
  id: 'plants-al-top4',
  label: '/plants AL top 4',
  service: 'plants',
  path: '/plants?year=2018&state=AL&top_n=4',
  referencePath: '/plants?year=2018&state=AL&top_n=4',
  expect: { type: 'json-array', length: 4 },
};

export const PLANTS_ALL: ApiCase = {
  id: 'plants-all',
  label: '/plants all (2018)',
  service: 'plants',
  path: '/plants?year=2018',
  referencePath: '/plants?year=2018',
  expect: { type: 'json-array' },
};

export const FRAME_500_JSON: ApiCase = {
  id: 'frame500-json',
  label: '500-row frame JSON, colour',
  service: 'imagers',
  path: frame('9000.1', '9050.0'),
  referencePath: frame('9000.1', '9050.0'),
  expect: { type: 'frame-json', rows: 500 },
};

export const FRAME_500_PNG: ApiCase = {
  id: 'frame500-png',
  label: '500-row frame PNG, colour',
  service: 'imagers',
  path: frame('9000.1', '9050.0', '&format=png'),
  referencePath: null,
  expect: { type: 'png', rows: 500 },
};

export const FRAME_10_JSON: ApiCase = {
  id: 'frame10-json',
  label: '10-row frame JSON, colour',
  service: 'imagers',
  path: frame('9000.1', '9001.0'),
  referencePath: frame('9000.1', '9001.0'),
  expect: { type: 'frame-json', rows: 10 },
};

/** Loaded at every connection count of the run. */
export const ROUTE_CASES = [PLANTS_AL_TOP4, PLANTS_ALL, FRAME_500_JSON, FRAME_500_PNG];

/** The target cases of issue 6, at their own connection counts. */
export const TARGET_LOADS: { case: ApiCase; connections: number }[] = [
  { case: PLANTS_AL_TOP4, connections: 32 },
  { case: FRAME_10_JSON, connections: 4 },
];

/** The reference answers a 500-row colour frame in seconds (its README says about 100 s): one request, not a load run. */
export const REFERENCE_SINGLE_REQUEST = new Set([FRAME_500_JSON.id]);
