/**
 * Serves the pages (SPEC §5.4) of the enabled route groups:
 * - `GET <page.route>` (e.g. /map): the page's HTML with the service's page settings inlined, as a prepared
 *   response (strong ETag, 304, compressed);
 * - `GET /pages/*`: the bundled scripts, styles and data files, with ETag/Last-Modified revalidation and
 *   `Cache-Control: no-cache` (a browser revalidates and gets 304s; nothing comes from outside the
 *   service, so pages work offline);
 * - `GET /`: a redirect to the page when one is served, an index linking each when several are.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import type { RouteGroup } from '../config';
import { HttpError } from '../errors';
import { contentEtag } from '../http/etag';
import { prepareResponse, type PreparedResponse } from '../http/prepared';
import { sendPrepared } from '../http/send-prepared';
import { PAGES, PAGE_ASSETS_PATH, SETTINGS_ELEMENT_ID, SETTINGS_PLACEHOLDER, type PageDefinition, type PageSettings } from './registry';
import { createLogger } from '../../core/log';

const log = createLogger('pages');

export interface PagesOptions {
  /** The built pages (build/webservice/pages); undefined or missing: pages answer 404 saying so. */
  dir: string | undefined;
  routes: readonly RouteGroup[];
  settings: PageSettings;
}

const HTML = 'text/html; charset=utf-8';

function preparedHtml(html: string): PreparedResponse {
  const body = Buffer.from(html);
  return prepareResponse(body, HTML, contentEtag(body), { vary: '' });
}

/** The settings as a JSON script element; `<` escaped so no value can close the element. */
function settingsElement(settings: PageSettings): string {
  const json = JSON.stringify(settings).replace(/</g, '\\u003c');
  return `<script type="application/json" id="${SETTINGS_ELEMENT_ID}">${json}</script>`;
}

function loadPage(dir: string | undefined, page: PageDefinition, settings: PageSettings): PreparedResponse | undefined {
  if (dir === undefined) return undefined; // a service run from source (tests) without built pages
  const file = path.join(dir, `${page.name}.html`);
  if (!existsSync(file)) {
    log.warn('page not built, it will answer 404', { page: page.route, expected: file });
    return undefined;
  }
  return preparedHtml(readFileSync(file, 'utf8').replace(SETTINGS_PLACEHOLDER, settingsElement(settings)));
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function indexPage(pages: readonly PageDefinition[]): PreparedResponse {
  const items = pages.map((p) => `<li><a href="${escapeHtml(p.route)}">${escapeHtml(p.title)}</a>: ${escapeHtml(p.summary)}</li>`).join('\n');
  return preparedHtml(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Serverless data lake</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}a{color:#0645ad}</style>
</head><body><h1>Serverless data lake</h1><ul>
${items}
<li><a href="/docs">API documentation</a>: every route, with examples to try.</li>
</ul></body></html>
`);
}

export function pagesRouter(options: PagesOptions): Router {
  const router = express.Router();
  const served = PAGES.filter((page) => options.routes.includes(page.group));
  if (options.dir !== undefined && existsSync(options.dir)) {
    router.use(PAGE_ASSETS_PATH, express.static(options.dir, { index: false, etag: true, lastModified: true, cacheControl: false, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') }));
  }
  for (const page of served) {
    const prepared = loadPage(options.dir, page, options.settings);
    router.get(page.route, async (req: Request, _res: Response) => {
      if (!prepared) throw new HttpError(404, `The ${page.route} page is not built into this service (npm run build)`);
      await sendPrepared(req, prepared);
    });
  }
  const [only] = served;
  const index = served.length > 1 ? indexPage(served) : undefined;
  router.get('/', async (req: Request, res: Response) => {
    if (index) await sendPrepared(req, index);
    else if (only) res.redirect(302, only.route);
    else throw new HttpError(404, 'This service serves no page; see /docs for its API');
  });
  return router;
}
