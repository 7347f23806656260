// npm run bundle-server: runs scripts/bundle_server.py with the Python that has prisma-down's
// dependencies installed, so the bundle is copied from it (offline) rather than downloaded.
// Order: $PRISMA_DOWN_BUNDLE_PYTHON, the repository's .venv, python3 on PATH.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const client = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const venv = process.platform === 'win32'
  ? join(client, '..', '.venv', 'Scripts', 'python.exe')
  : join(client, '..', '.venv', 'bin', 'python');
const python = process.env.PRISMA_DOWN_BUNDLE_PYTHON
  || (existsSync(venv) ? venv : process.platform === 'win32' ? 'python' : 'python3');
const run = spawnSync(python, [join(client, 'scripts', 'bundle_server.py'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
if (run.error) {
  console.error(`bundle-server: could not run ${python}: ${run.error.message}`);
  process.exit(1);
}
process.exit(run.status ?? 1);
