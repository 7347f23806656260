#!/usr/bin/env node
// prisma-down for npm, npx, pnpm dlx and bunx: runs the Python package this npm package
// carries (../python: prisma-down and its pure-Python dependencies) on the machine's
// Python >= 3.10, with every argument, stdin/stdout/stderr and the exit code passed through.
// The interpreter: $PRISMA_DOWN_PYTHON, else python3 then python (Windows: py -3, python).
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const LIBS = path.join(__dirname, '..', 'python');
const MIN = [3, 10];
const PROBE = 'import sys; print("%d.%d.%d" % sys.version_info[:3])';

function candidates() {
  if (process.env.PRISMA_DOWN_PYTHON) {
    return [[process.env.PRISMA_DOWN_PYTHON]];
  }
  return process.platform === 'win32' ? [['py', '-3'], ['python'], ['python3']] : [['python3'], ['python']];
}

/** The Python's version ("3.11.2"), or why it cannot run prisma-down. */
function probe(argv) {
  const got = spawnSync(argv[0], [...argv.slice(1), '-c', PROBE], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: '' },
    windowsHide: true,
  });
  if (got.error || got.status !== 0) {
    return { error: `no ${argv.join(' ')}` };
  }
  const version = got.stdout.trim();
  const [major, minor] = version.split('.').map(Number);
  if (!(major > MIN[0] || (major === MIN[0] && minor >= MIN[1]))) {
    return { error: `${argv.join(' ')} is Python ${version}` };
  }
  return { version };
}

function findPython() {
  const tried = [];
  for (const argv of candidates()) {
    const found = probe(argv);
    if (found.version) {
      return { argv };
    }
    tried.push(found.error);
  }
  return { tried };
}

function installHint() {
  switch (process.platform) {
    case 'darwin':
      return 'brew install python@3.12';
    case 'win32':
      return 'winget install Python.Python.3.12';
    default:
      return 'sudo apt install python3';
  }
}

const python = findPython();
if (!python.argv) {
  process.stderr.write(
    `prisma-down: needs Python ${MIN.join('.')} or newer and found none (${python.tried.join('; ')}): ` +
      `install it (for example \`${installHint()}\`) or set PRISMA_DOWN_PYTHON to its path.\n`,
  );
  process.exit(2);
}

const [command, ...pre] = python.argv;
const child = spawn(command, [...pre, '-m', 'prisma_down.cli', ...process.argv.slice(2)], {
  stdio: 'inherit',
  // Only the bundle: a PYTHONPATH of the user's must not put another prisma-down first.
  env: { ...process.env, PYTHONPATH: LIBS, PYTHONNOUSERSITE: '1' },
  windowsHide: true,
});
// Ctrl+C reaches the whole process group, Python included: only wait for it to stop.
// A signal sent to this process alone is passed on.
const forwarded = ['SIGTERM', 'SIGHUP'];
process.on('SIGINT', () => undefined);
for (const signal of forwarded) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (e) => {
  process.stderr.write(`prisma-down: could not start ${command}: ${e.message}\n`);
  process.exit(2);
});
child.on('exit', (code, signal) => {
  if (signal) {
    // End the same way, so a caller sees the signal and not an exit code.
    for (const name of ['SIGINT', ...forwarded]) {
      process.removeAllListeners(name);
    }
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
