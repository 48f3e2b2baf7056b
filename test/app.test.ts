import test from 'ava';
import { createApp } from '../webservice/app';
import { serviceConfigFromEnv } from '../webservice/config';
import { serve } from './helpers/http';

const config = serviceConfigFromEnv({ SERVICE_ROUTES: 'imagers' });

test('health answers 200 with the enabled routes when no store is configured', async (t) => {
  const served = await serve(createApp({ config }));
  t.teardown(() => served.close());
  const res = await fetch(`${served.url}/health`);
  t.is(res.status, 200);
  t.deepEqual(await res.json(), { status: 'ok', routes: ['imagers'] });
});

test('health answers 503 with a detail when a store is unreachable', async (t) => {
  const unreachable = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  const served = await serve(
    createApp({
      config,
      imagers: {
        listWells: async () => [],
        getWell: async () => undefined,
        readFrame: async () => undefined,
        wellValueRange: async () => undefined,
        ping: async () => {
          throw unreachable;
        },
      },
    }),
  );
  t.teardown(() => served.close());
  const res = await fetch(`${served.url}/health`);
  t.is(res.status, 503);
  t.regex(((await res.json()) as { detail: string }).detail, /ECONNREFUSED/);
});

test('unknown paths and disabled route groups answer 404 {"detail"}', async (t) => {
  const served = await serve(createApp({ config }));
  t.teardown(() => served.close());
  for (const path of ['/nope', '/plants?year=2018']) {
    const res = await fetch(`${served.url}${path}`);
    t.is(res.status, 404, path);
    t.truthy(((await res.json()) as { detail: string }).detail, path);
  }
});

test('openapi.json and /docs are served', async (t) => {
  const served = await serve(createApp({ config }));
  t.teardown(() => served.close());
  const spec = (await (await fetch(`${served.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
  t.regex(spec.openapi, /^3\./);
  t.truthy(spec.paths['/health']);
  const docs = await fetch(`${served.url}/docs/`);
  t.is(docs.status, 200);
  t.regex(await docs.text(), /swagger-ui/i);
});

test('openapi.json lists only the enabled routes and the schemas they use', async (t) => {
  const served = await serve(createApp({ config }));
  t.teardown(() => served.close());
  const spec = (await (await fetch(`${served.url}/openapi.json`)).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
  t.truthy(spec.paths['/imagers/{well_id}']);
  t.falsy(spec.paths['/plants']);
  const schemaNames = Object.keys(spec.components.schemas);
  t.true(schemaNames.length > 0);
  t.false(schemaNames.some((name) => /plant|state/i.test(name)), schemaNames.join(', '));
  t.false('securitySchemes' in spec.components, 'no empty securitySchemes (Swagger UI would offer Authorize)');
  const text = JSON.stringify(spec);
  for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) t.truthy(spec.components.schemas[name!], `$ref ${name} resolves`);
});
