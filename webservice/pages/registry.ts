/**
 * The pages a service serves (SPEC §5.4), one entry each. The build (infrastructure/build/pages.ts) reads
 * this list to bundle every page; the service (pages/router.ts) serves the pages of its enabled route
 * groups. Adding a page = a folder under webservice/pages/ with its entry script and HTML, plus an entry
 * here. Kept free of imports beyond types so the build and the browser code can both read it.
 *
 * A page folder holds:
 *   page.html  the document; it loads `/pages/<name>.js` and `/pages/<name>.css` (and nothing from
 *              elsewhere: pages work offline). `<!--page-settings-->` in it is replaced by the settings
 *              (a JSON script element with id "page-settings", see PageSettings).
 *   main.ts    the entry point, bundled by esbuild for the browser with every CSS it imports (CSS url()s,
 *              such as images, become files under /pages/assets/).
 */
import type { RouteGroup } from '../config';

export interface PageDefinition {
  /** Folder name under webservice/pages/ and the base name of its bundled files. */
  name: string;
  /** Where the service serves the page. */
  route: string;
  /** The route group whose data the page shows: the page is served when that group is enabled. */
  group: RouteGroup;
  title: string;
  /** One line for the index page (`GET /` when several pages are served). */
  summary: string;
  /** Extra files copied from packages beside the bundle: output name under /pages/ → module path. */
  files?: Record<string, string>;
}

export const PAGES: readonly PageDefinition[] = [
  {
    name: 'map',
    route: '/map',
    group: 'plants',
    title: 'US power plants: annual net generation',
    summary: 'The top power plants of the US on a map, by state, year and fuel.',
    files: { 'us-states-10m.json': 'us-atlas/states-10m.json' },
  },
  {
    name: 'viewer',
    route: '/viewer',
    group: 'imagers',
    title: 'Well image log viewer',
    summary: 'A well’s image log along depth: scroll, zoom, colour maps and normalisation.',
  },
];

/** What the service tells every page at load time (from its configuration). */
export interface PageSettings {
  /** A basemap tile URL template ({z}/{x}/{y}); empty: no basemap (state outlines only). */
  mapTilesUrl: string;
}

/** Where bundled page files are served from. */
export const PAGE_ASSETS_PATH = '/pages';
export const SETTINGS_PLACEHOLDER = '<!--page-settings-->';
export const SETTINGS_ELEMENT_ID = 'page-settings';
