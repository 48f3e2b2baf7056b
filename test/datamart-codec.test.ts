import test from 'ava';
import { decodeDatamart, encodeDatamart } from '../core/egrid/datamart-codec';
import type { PlantRecord } from '../core/egrid/types';

test('a datamart round-trips through Parquet, nulls included', async (t) => {
  const plants: PlantRecord[] = [
    { plant_id: 46, plant_name: 'Browns Ferry', state: 'AL', lat: 34.7042, lon: -87.1189, fuel: 'NUCLEAR', annual_netgen_abs: 25397781, annual_netgen_rel: 0.17733199400277125 },
    { plant_id: 7, plant_name: 'Somewhere', state: 'AK', lat: null, lon: null, fuel: null, annual_netgen_abs: 0, annual_netgen_rel: 0 },
  ];
  const bytes = encodeDatamart(plants);
  t.deepEqual(Buffer.from(bytes.subarray(0, 4)).toString(), 'PAR1');
  t.deepEqual(await decodeDatamart(bytes), plants);
});
