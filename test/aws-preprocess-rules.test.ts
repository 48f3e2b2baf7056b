/**
 * The aws target's ETL steps (infrastructure/aws.mk, SPEC §6.3): what `make TARGET=aws` runs, in order,
 * for a first deploy, new data, a code change, and auto_ingest off. make runs for real in a throwaway
 * copy of challenge-1; the tools and playbooks are replaced by a script that logs their arguments (TSX=,
 * PLAYBOOK=), so nothing reaches AWS. What the tools themselves do is tested in etl-wait.test.ts and
 * lambda-deploy.test.ts.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { challengeCopy, cleanEnv } from './helpers/aws-make-workspace';

const run = promisify(execFile);

interface Workspace {
  challenge: string;
  log: string;
  data: string;
  /** Runs make TARGET=aws with the tools logged; returns the logged commands, shortened. */
  make(goal?: string): Promise<string[]>;
  /** Regenerates build/config.mk with the real tools (after a config.yml change). */
  configure(): Promise<void>;
  touch(file: string, secondsFromNow: number): void;
}

async function workspace(t: { teardown(fn: () => void): void }): Promise<Workspace> {
  const challenge = challengeCopy(t, 'aws-preprocess-');
  const dir = path.dirname(challenge);
  writeFileSync(path.join(challenge, 'infrastructure', 'salt.yml'), 'salt: "test1"\n');
  // Built artifacts, older than anything made below.
  const build = path.join(dir, 'build');
  mkdirSync(path.join(build, '.deps'), { recursive: true });
  const touch = (file: string, secondsFromNow: number): void => {
    const time = new Date(Date.now() + secondsFromNow * 1000);
    utimesSync(file, time, time);
  };
  for (const [file, age] of [['.deps/lambda.stamp', -100], ['.deps/layer.stamp', -100], ['.deps/service.stamp', -100], ['lambda.zip', -90], ['layer.zip', -90]] as const) {
    writeFileSync(path.join(build, file), 'x');
    touch(path.join(build, file), age);
  }
  const data = path.join(dir, 'egrid.xlsx');
  writeFileSync(data, 'workbook');
  touch(data, -80);
  const log = path.join(dir, 'commands.log');
  const logger = path.join(dir, 'log-command.sh');
  writeFileSync(logger, `#!/bin/sh\necho "$*" >> '${log}'\n`);
  chmodSync(logger, 0o755);
  const state = path.join(dir, 'state');
  const base = ['--no-print-directory', 'TARGET=aws', `STATE_DIR=${state}`, `TEST_DATA_FILE=${data}`];
  const configure = async (): Promise<void> => {
    await run('make', [...base, 'build/config.mk'], { cwd: challenge, env: cleanEnv() });
  };
  await configure();
  return {
    challenge,
    log,
    data,
    configure,
    touch,
    async make(goal = `${state}/challenge-1-aws/preprocess.stamp`) {
      writeFileSync(log, '');
      await run('make', [...base, `TSX=${logger} tsx`, `PLAYBOOK=${logger} ansible-playbook`, goal], { cwd: challenge, env: cleanEnv() });
      return readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const tool = /(\S+\.ts) (\S+)?/.exec(line);
          if (line.startsWith('ansible-playbook')) return `playbook ${line.split(' ').filter((w) => w.endsWith('.yml') || w.startsWith('--tags') || w === 'notification').join(' ')}`;
          return tool ? `${path.basename(tool[1]!)}${['deploy', 'run', 'invoke'].includes(tool[2] ?? '') ? ` ${tool[2]}` : ''}` : line;
        });
    },
  };
}

/** With auto_ingest: the function and its notification made before the upload, then the notified run waited for. */
const DEPLOY_UPLOAD_WAIT = [
  'playbook infrastructure/infrastructure-play.yml',
  'lambda-deploy.ts deploy',
  'playbook infrastructure/infrastructure-play.yml --tags notification',
  'upload.ts',
  'etl-wait.ts',
];

test('make TARGET=aws with auto_ingest: the function and the notification exist before the upload, and preprocess waits for the notified run instead of invoking (one upload, one run)', async (t) => {
  const ws = await workspace(t);
  t.deepEqual(await ws.make(), DEPLOY_UPLOAD_WAIT);
  // Nothing changed: nothing to upload, run or wait for.
  t.deepEqual(await ws.make(), ['playbook infrastructure/infrastructure-play.yml']);
  // New data: uploaded to the deployed function's notification, and its run waited for.
  ws.touch(ws.data, 0);
  t.deepEqual(await ws.make(), ['playbook infrastructure/infrastructure-play.yml', 'upload.ts', 'etl-wait.ts']);
  // New code only: redeployed, then invoked on the object already there (no upload to wait for).
  ws.touch(path.join(ws.challenge, '..', 'build', 'lambda.zip'), 5);
  t.deepEqual(await ws.make(), [...DEPLOY_UPLOAD_WAIT.slice(0, 3), 'lambda-deploy.ts run']);
  // New code and new data: deployed before the upload, so the notified run is the new code's; waited for.
  ws.touch(path.join(ws.challenge, '..', 'build', 'lambda.zip'), 10);
  ws.touch(ws.data, 10);
  t.deepEqual(await ws.make(), DEPLOY_UPLOAD_WAIT);
});

test('make preprocess TARGET=aws on its own waits for the upload\'s run while that upload is unprocessed, and invokes once it was', async (t) => {
  const ws = await workspace(t);
  t.deepEqual(await ws.make('raw-data'), DEPLOY_UPLOAD_WAIT.slice(0, -1));
  t.deepEqual((await ws.make('preprocess')).at(-1), 'etl-wait.ts');
  t.deepEqual((await ws.make('preprocess')).at(-1), 'lambda-deploy.ts run');
});

test('make TARGET=aws with auto_ingest: false invokes the function synchronously after the upload, as before (the notification play removes the notification)', async (t) => {
  const ws = await workspace(t);
  const config = path.join(ws.challenge, 'infrastructure', 'config.yml');
  writeFileSync(config, readFileSync(config, 'utf8').replace(/^auto_ingest: true$/m, 'auto_ingest: false'));
  t.regex(readFileSync(config, 'utf8'), /^auto_ingest: false$/m);
  await ws.configure();
  t.deepEqual(await ws.make(), [...DEPLOY_UPLOAD_WAIT.slice(0, -1), 'lambda-deploy.ts run']);
});
