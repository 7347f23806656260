// Runs scripts/bundle_server.py (arguments passed on, e.g. --target DIR) with a Python that
// has pip or the pinned libraries: $PRISMA_DOWN_BUNDLE_PYTHON, else the repository's .venv
// when there is one (the bundle is then copied from it, offline), else python3 (python on
// Windows) on PATH, which installs the pinned wheels with pip: a clean clone needs no .venv.
// Used by client-vscode (npm run bundle-server) and npm/ (prepack).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const venv = process.platform === 'win32'
  ? join(repo, '.venv', 'Scripts', 'python.exe')
  : join(repo, '.venv', 'bin', 'python');
const python = process.env.PRISMA_DOWN_BUNDLE_PYTHON
  || (existsSync(venv) ? venv : process.platform === 'win32' ? 'python' : 'python3');
const run = spawnSync(python, [join(here, 'bundle_server.py'), ...process.argv.slice(2)], { stdio: 'inherit' });
if (run.error) {
  console.error(`bundle-server: could not run ${python}: ${run.error.message}`);
  process.exit(1);
}
process.exit(run.status ?? 1);
