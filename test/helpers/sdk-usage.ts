/**
 * Which AWS SDK commands a piece of code can send: bundles an entry point with esbuild (tree-shaken,
 * the SDK kept external) and collects the commands the kept code constructs, plus the SDK's paginators
 * and waiters, which send commands of their own. Mapped to IAM actions with SDK_COMMAND_ACTIONS.
 */
import { build } from 'esbuild';
import path from 'node:path';
import { SDK_COMMAND_ACTIONS, SDK_HELPER_ACTIONS } from '../../infrastructure/iam/sdk-actions';

export interface SdkUsage {
  commands: string[];
  actions: string[];
  /** Source files (relative to the root) the bundle includes, outside node_modules. */
  inputs: string[];
}

/** paginateQuery → QueryCommand; waitUntilTableExists → DescribeTableCommand (what the waiter polls). */
const HELPER_COMMANDS: Record<string, string> = {
  waitUntilTableExists: 'DescribeTableCommand',
  waitUntilTableNotExists: 'DescribeTableCommand',
  waitUntilObjectExists: 'HeadObjectCommand',
  waitUntilBucketExists: 'HeadBucketCommand',
};

function commandOfHelper(name: string): string | undefined {
  if (HELPER_COMMANDS[name]) return HELPER_COMMANDS[name];
  const page = /^paginate(\w+)$/.exec(name);
  return page ? `${page[1]}Command` : undefined;
}

export async function sdkUsage(root: string, entry: string): Promise<SdkUsage> {
  const out = await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    external: ['@aws-sdk/*'],
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  const code = out.outputFiles[0].text;
  const commands = new Set([...code.matchAll(/\bnew (\w+Command)\(/g)].map((m) => m[1]));
  // Requests sent without a command class (core/aws/batch-write-item.ts) name their operation in the X-Amz-Target header.
  for (const m of code.matchAll(/["'`]DynamoDB_20120810\.(\w+)["'`]/g)) commands.add(`${m[1]}Command`);
  for (const m of code.matchAll(/\b((?:waitUntil|paginate)\w+)\(/g)) {
    const command = commandOfHelper(m[1]);
    if (command) commands.add(command);
  }
  const actions = new Set<string>();
  for (const command of commands) {
    const mapped = SDK_COMMAND_ACTIONS[command];
    if (!mapped) throw new Error(`${entry} sends ${command}, which infrastructure/iam/sdk-actions.ts does not map to IAM actions; add it there and grant it in access.ts if the code needs it`);
    mapped.forEach((a) => actions.add(a));
  }
  if (/\bnew Upload\(/.test(code)) SDK_HELPER_ACTIONS.Upload.forEach((a) => actions.add(a));
  const inputs = Object.keys(out.metafile.inputs).filter((f) => !f.includes('node_modules'));
  return { commands: [...commands].sort(), actions: [...actions].sort(), inputs };
}
