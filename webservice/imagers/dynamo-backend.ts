/** The /imagers routes' store: the well-imager DynamoDB table through core/well/store. */
import { dynamoClient } from '../../core/aws/clients';
import { WellStore } from '../../core/well/store';
import type { ServiceConfig } from '../config';
import type { ImagerBackend } from './backend';

/**
 * A missing table is the deployment's problem, not the client's: it is reported as the store being
 * unavailable (name "ServiceUnavailable", which webservice/errors.ts maps to 503), with the table named.
 */
function tableMissing(tableName: string, err: unknown): unknown {
  if ((err as { name?: string } | null)?.name !== 'ResourceNotFoundException') return err;
  const missing = new Error(`DynamoDB table "${tableName}" does not exist`, { cause: err });
  missing.name = 'ServiceUnavailable';
  return missing;
}

export function createDynamoImagerBackend(config: ServiceConfig): ImagerBackend {
  const tableName = config.tableName;
  if (!tableName) throw new Error('configuration TABLE_NAME is required for the imager routes');
  const store = new WellStore({ client: dynamoClient(config.aws), tableName, maxStalenessMs: config.imagersMaxStalenessMs });
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw tableMissing(tableName, err);
    }
  };
  return {
    listWells: () => guard(() => store.listWells()),
    getWell: (well) => guard(() => store.getWell(well)),
    readFrame: (well, minTenths, maxTenths) => guard(() => store.readFrame(well, minTenths, maxTenths)),
    wellValueRange: (well) => guard(() => store.wellValueRange(well)),
    currentVersion: (well) => store.knownVersion(well),
    ping: () => guard(() => store.ping()),
  };
}
