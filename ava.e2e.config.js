// The end-to-end suite (npm run test:e2e): the README's `make init && make` sequence on a fresh clone.
// Separate from `npm test`: it installs the project again and runs for minutes.
export default {
  files: ['test-e2e/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  timeout: '30m',
  concurrency: 1,
  workerThreads: false,
};
