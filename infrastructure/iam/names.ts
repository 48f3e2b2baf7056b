/**
 * Names of the IAM resources a challenge creates. Derived from names already salted by core/config.ts,
 * so `make salt` gives a second deployment its own roles. IAM role names are at most 64 characters.
 */
import type { ChallengeConfig } from '../../core/config';
import { salted } from '../../core/config';

export interface IamNames {
  lambdaRole: string;
  /** The EC2 instance role; its instance profile has the same name. */
  instanceRole: string;
}

function checked(name: string): string {
  if (name.length > 64 || !/^[\w+=,.@-]+$/.test(name)) throw new Error(`IAM role name "${name}" is invalid (at most 64 of A-Z a-z 0-9 +=,.@_-); shorten project/challenge/lambda_function in config.yml`);
  return name;
}

export function iamNames(config: Pick<ChallengeConfig, 'project' | 'challenge' | 'lambda_function' | 'salt'>): IamNames {
  return {
    lambdaRole: checked(`${config.lambda_function}-role`),
    instanceRole: checked(salted(`${config.project}-${config.challenge}-webservice`, config.salt)),
  };
}
