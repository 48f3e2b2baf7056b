/** Cleanup: the function and every version of its layer. Already deleted is not an error. */
import { DeleteFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { isAwsError } from './errors';
import { deleteLayerVersions } from './layer';

export interface Removed {
  functionDeleted: boolean;
  layerVersionsDeleted: number[];
}

export async function removeLambda(client: LambdaClient, functionName: string, layerName: string): Promise<Removed> {
  let functionDeleted = true;
  try {
    await client.send(new DeleteFunctionCommand({ FunctionName: functionName }));
  } catch (err) {
    if (!isAwsError(err, 'ResourceNotFoundException')) throw err;
    functionDeleted = false;
  }
  return { functionDeleted, layerVersionsDeleted: await deleteLayerVersions(client, layerName) };
}
