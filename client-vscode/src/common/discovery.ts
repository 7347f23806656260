/**
 * Finding the language server and the Python that runs it.
 *
 * Pure logic over injected effects (file checks, process runs): no `vscode` import, so the
 * unit tests run it under plain `node --test`. The order, first match wins:
 *   1. the `prismaDown.server.path` setting (an argv array), as given;
 *   2. the server bundled in the extension (`bundled/libs`), run by a Python >= 3.10:
 *      `prismaDown.python`, else the Python extension's interpreter, else python3/python on PATH;
 *   3. a `prisma-down` executable in a workspace folder's virtual environment, then on PATH.
 */
import * as path from 'node:path';

export const MIN_PYTHON: readonly [number, number] = [3, 10];

/** How the extension starts the server. */
export interface ServerCommand {
  command: string;
  args: string[];
  /** Extra environment for the server process (PYTHONPATH for the bundled server). */
  env: Record<string, string>;
  source: 'setting' | 'bundled' | 'venv' | 'path';
  /** The interpreter that runs the bundled server, with its version. */
  python?: PythonInterpreter;
}

export interface PythonInterpreter {
  /** The argv prefix that runs this Python (a conda `execCommand` may hold several words). */
  argv: string[];
  version: string;
  source: 'setting' | 'python-extension' | 'path';
}

/** Why no server could be started: what was tried, and what the user should install. */
export interface NotFound {
  reasons: string[];
  /** One shell command that fixes it, for the notification's "copy" button. */
  installCommand: string;
  /** What to install, in words. */
  advice: string;
}

export type Resolution = { ok: true; server: ServerCommand; notes: string[] } | { ok: false; notFound: NotFound; notes: string[] };

export interface Effects {
  /** Is this path an existing file (executable, where the platform says so)? */
  isExecutable(file: string): Promise<boolean>;
  isFile(file: string): Promise<boolean>;
  /** Run a program; resolve with its exit code and output (never reject). */
  run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export interface Inputs {
  /** `prismaDown.server.path`. */
  serverPath: readonly string[];
  /** `prismaDown.python`. */
  pythonSetting: string;
  /** The Python extension's interpreter for the workspace, if that extension is there. */
  pythonExtension?: readonly string[];
  /** `<extension>/bundled/libs`. */
  bundledLibs: string;
  workspaceFolders: readonly string[];
  platform: NodeJS.Platform;
  /** The PATH to search (process.env.PATH). */
  pathEnv: string;
}

const VERSION_PROBE = 'import sys; print("%d.%d.%d" % sys.version_info[:3])';

/** "3.11.2" → [3, 11]; undefined for anything else. */
export function parseVersion(text: string): [number, number] | undefined {
  const m = /^\s*(\d+)\.(\d+)(?:\.\d+)?\s*$/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function atLeast(version: [number, number], min: readonly [number, number] = MIN_PYTHON): boolean {
  return version[0] > min[0] || (version[0] === min[0] && version[1] >= min[1]);
}

/** Where `name` lives on `pathEnv`, like `which`; Windows adds its executable suffixes. */
export async function which(name: string, inputs: Pick<Inputs, 'platform' | 'pathEnv'>, fx: Effects): Promise<string | undefined> {
  const win = inputs.platform === 'win32';
  const p = win ? path.win32 : path.posix;
  if (name.includes('/') || (win && name.includes('\\'))) {
    return (await fx.isExecutable(name)) ? name : undefined;
  }
  const suffixes = win ? ['.exe', '.cmd', '.bat', ''] : [''];
  for (const dir of inputs.pathEnv.split(win ? ';' : ':')) {
    if (!dir) {
      continue;
    }
    for (const suffix of suffixes) {
      const candidate = p.join(dir, name + suffix);
      if (await fx.isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** Ask an interpreter its version: the version string, or why it did not answer. */
export async function probePython(argv: readonly string[], fx: Effects): Promise<{ version: string } | { error: string }> {
  const [command, ...rest] = argv;
  if (!command) {
    return { error: 'empty command' };
  }
  const got = await fx.run(command, [...rest, '-c', VERSION_PROBE], 10_000);
  if (got.code !== 0) {
    const detail = (got.stderr || got.stdout).trim().split('\n').pop() ?? '';
    return { error: `\`${argv.join(' ')}\` did not run (exit ${String(got.code)}${detail ? `: ${detail}` : ''})` };
  }
  const version = got.stdout.trim();
  const parsed = parseVersion(version);
  if (!parsed) {
    return { error: `\`${argv.join(' ')}\` printed no Python version` };
  }
  if (!atLeast(parsed)) {
    return { error: `\`${argv.join(' ')}\` is Python ${version}; prisma-down needs ${MIN_PYTHON.join('.')} or newer` };
  }
  return { version };
}

/**
 * The interpreter for the bundled server. An explicit `prismaDown.python` is the only
 * candidate when set (a wrong setting is reported, not silently passed over).
 */
export async function findPython(inputs: Inputs, fx: Effects, reasons: string[]): Promise<PythonInterpreter | undefined> {
  const candidates: { argv: string[]; source: PythonInterpreter['source'] }[] = [];
  if (inputs.pythonSetting.trim()) {
    candidates.push({ argv: [inputs.pythonSetting.trim()], source: 'setting' });
  } else {
    if (inputs.pythonExtension && inputs.pythonExtension.length > 0) {
      candidates.push({ argv: [...inputs.pythonExtension], source: 'python-extension' });
    }
    const names = inputs.platform === 'win32' ? ['python', 'py'] : ['python3', 'python'];
    for (const name of names) {
      const found = await which(name, inputs, fx);
      if (found) {
        candidates.push({ argv: name === 'py' ? [found, '-3'] : [found], source: 'path' });
      }
    }
    if (candidates.length === 0) {
      reasons.push(`no ${names.join(' or ')} on PATH`);
    }
  }
  for (const candidate of candidates) {
    const probed = await probePython(candidate.argv, fx);
    if ('version' in probed) {
      return { argv: candidate.argv, version: probed.version, source: candidate.source };
    }
    const from = candidate.source === 'setting' ? 'prismaDown.python: ' : candidate.source === 'python-extension' ? 'the Python extension\'s interpreter: ' : '';
    reasons.push(from + probed.error);
  }
  return undefined;
}

/** The command that installs what is missing, on this platform. */
export function installAdvice(inputs: Pick<Inputs, 'platform'>, bundled: boolean): Pick<NotFound, 'advice' | 'installCommand'> {
  if (!bundled) {
    return {
      advice: 'Install prisma-down (Python 3.10 or newer) into the workspace\'s virtual environment or PATH',
      installCommand: 'python3 -m pip install prisma-down',
    };
  }
  switch (inputs.platform) {
    case 'darwin':
      return { advice: 'Install Python 3.10 or newer', installCommand: 'brew install python@3.12' };
    case 'win32':
      return { advice: 'Install Python 3.10 or newer', installCommand: 'winget install Python.Python.3.12' };
    default:
      return { advice: 'Install Python 3.10 or newer', installCommand: 'sudo apt install python3' };
  }
}

function venvExecutables(folder: string, platform: NodeJS.Platform): string[] {
  const p = platform === 'win32' ? path.win32 : path.posix;
  return ['.venv', 'venv'].map((venv) =>
    platform === 'win32' ? p.join(folder, venv, 'Scripts', 'prisma-down.exe') : p.join(folder, venv, 'bin', 'prisma-down'),
  );
}

/** Decide how to start the server; `notes` say what was passed over and why. */
export async function resolveServer(inputs: Inputs, fx: Effects): Promise<Resolution> {
  const notes: string[] = [];
  const [command, ...args] = inputs.serverPath;
  if (command) {
    return { ok: true, notes, server: { command, args, env: {}, source: 'setting' } };
  }

  const p = inputs.platform === 'win32' ? path.win32 : path.posix;
  const bundled = await fx.isFile(p.join(inputs.bundledLibs, 'prisma_down', 'cli.py'));
  if (bundled) {
    const python = await findPython(inputs, fx, notes);
    if (python) {
      const [exe = 'python3', ...pre] = python.argv;
      return {
        ok: true,
        notes,
        server: {
          command: exe,
          args: [...pre, '-m', 'prisma_down.cli', 'lsp'],
          env: { PYTHONPATH: inputs.bundledLibs, PYTHONNOUSERSITE: '1' },
          source: 'bundled',
          python,
        },
      };
    }
  } else {
    notes.push(`the extension has no bundled server (${inputs.bundledLibs})`);
  }

  for (const folder of inputs.workspaceFolders) {
    for (const exe of venvExecutables(folder, inputs.platform)) {
      if (await fx.isExecutable(exe)) {
        return { ok: true, notes, server: { command: exe, args: ['lsp'], env: {}, source: 'venv' } };
      }
    }
  }
  const onPath = await which('prisma-down', inputs, fx);
  if (onPath) {
    return { ok: true, notes, server: { command: onPath, args: ['lsp'], env: {}, source: 'path' } };
  }
  notes.push('no prisma-down in a workspace .venv or on PATH');
  return { ok: false, notes, notFound: { reasons: [...notes], ...installAdvice(inputs, bundled) } };
}

/** One line for the log: how the server will be started. */
export function describe(server: ServerCommand): string {
  const argv = [server.command, ...server.args].join(' ');
  switch (server.source) {
    case 'setting':
      return `prismaDown.server.path: ${argv}`;
    case 'bundled':
      return `bundled server, Python ${server.python?.version ?? '?'} (${server.python?.source ?? '?'}): ${argv}`;
    case 'venv':
      return `workspace virtual environment: ${argv}`;
    case 'path':
      return `PATH: ${argv}`;
  }
}
