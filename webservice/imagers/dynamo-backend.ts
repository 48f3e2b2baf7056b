/** The /imagers routes' store: the well-imager DynamoDB table through core/well/store. */
import { dynamoClient } from '../../core/aws/clients';
import { WellStore } from '../../core/well/store';
import type { ServiceConfig } from '../config';
import type { ImagerBackend } from './backend';

export function createDynamoImagerBackend(config: ServiceConfig): ImagerBackend {
  if (!config.tableName) throw new Error('configuration TABLE_NAME is required for the imager routes');
  const store = new WellStore({ client: dynamoClient(config.aws), tableName: config.tableName });
  return {
    listWells: () => store.listWells(),
    getWell: (well) => store.getWell(well),
    readFrame: (well, minTenths, maxTenths) => store.readFrame(well, minTenths, maxTenths),
    ping: () => store.ping(),
  };
}
