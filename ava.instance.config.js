// The instance suite (npm run test:instance): the webservice role's server tasks over real SSH against
// this machine (test-instance/). Separate from `npm test`: it needs sshd, root and a Python 3.12.
export default {
  files: ['test-instance/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  timeout: '10m',
  concurrency: 1,
  workerThreads: false,
};
