/**
 * Renders a challenge's IAM documents from its configuration, for the aws_iam Ansible role and for review:
 *
 *   tsx infrastructure/iam/render.ts CHALLENGE_DIR --account-id 123456789012 [--region R] [--out DIR]
 *
 * Prints one JSON object {lambda_role_name, instance_role_name, lambda_trust, lambda_policy, instance_trust,
 * instance_policy} on stdout (snake_case for Ansible); with --out, also writes each document to DIR/<key>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadChallengeConfig, type ChallengeConfig } from '../../core/config';
import { errorMessage } from '../../core/log';
import { iamNames } from './names';
import { instancePolicy, instanceTrustPolicy, lambdaPolicy, lambdaTrustPolicy, type PolicyDocument, type TrustDocument } from './policies';
import { isCliEntry } from '../cli-entry';

export interface RenderedIam {
  lambda_role_name: string;
  /** Also the name of its instance profile. */
  instance_role_name: string;
  lambda_trust: TrustDocument;
  lambda_policy: PolicyDocument;
  instance_trust: TrustDocument;
  instance_policy: PolicyDocument;
}

export function renderIam(config: ChallengeConfig, accountId: string, region: string = config.aws_region): RenderedIam {
  const names = iamNames(config);
  return {
    lambda_role_name: names.lambdaRole,
    instance_role_name: names.instanceRole,
    lambda_trust: lambdaTrustPolicy(accountId),
    lambda_policy: lambdaPolicy(config, region, accountId),
    instance_trust: instanceTrustPolicy(region),
    instance_policy: instancePolicy(config, region, accountId),
  };
}

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'account-id': { type: 'string' }, region: { type: 'string' }, out: { type: 'string' } },
  });
  const accountId = values['account-id'];
  if (!accountId) throw new Error('--account-id is required (12 digits; Ansible passes it from amazon.aws.aws_caller_info)');
  const config = loadChallengeConfig(positionals[0] ?? '.');
  const rendered = renderIam(config, accountId, values.region ?? config.aws_region);
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    for (const [name, doc] of Object.entries(rendered)) if (typeof doc === 'object') writeFileSync(path.join(values.out, `${name}.json`), JSON.stringify(doc, null, 2) + '\n');
  }
  process.stdout.write(JSON.stringify(rendered) + '\n');
}

if (isCliEntry(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`iam render: ${errorMessage(err)}\n`);
    process.exit(1);
  }
}
