/** Server and interpreter discovery, with fake file systems and processes: `npm test`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atLeast, installAdvice, parseVersion, probePython, resolveServer, which, type Effects, type Inputs } from '../common/discovery';

/** A machine: executables with the Python version each prints (or null: fails to run). */
function machine(executables: Record<string, string | null>, files: string[] = []): Effects & { runs: string[][] } {
  const runs: string[][] = [];
  return {
    runs,
    isExecutable: (file) => Promise.resolve(file in executables),
    isFile: (file) => Promise.resolve(files.includes(file) || file in executables),
    run: (command, args) => {
      runs.push([command, ...args]);
      const version = executables[command];
      if (!version) {
        return Promise.resolve({ code: 127, stdout: '', stderr: `${command}: not found` });
      }
      return Promise.resolve({ code: 0, stdout: `${version}\n`, stderr: '' });
    },
  };
}

const LIBS = '/ext/bundled/libs';
const BUNDLE = `${LIBS}/prisma_down/cli.py`;

function inputs(over: Partial<Inputs> = {}): Inputs {
  return {
    serverPath: [],
    pythonSetting: '',
    bundledLibs: LIBS,
    workspaceFolders: ['/ws'],
    platform: 'linux',
    pathEnv: '/usr/local/bin:/usr/bin',
    ...over,
  };
}

describe('versions', () => {
  it('parses what the probe prints', () => {
    assert.deepEqual(parseVersion('3.11.2\n'), [3, 11]);
    assert.deepEqual(parseVersion('3.10'), [3, 10]);
    assert.equal(parseVersion('Python 3.11.2'), undefined);
  });
  it('needs 3.10 or newer', () => {
    assert.ok(atLeast([3, 10]));
    assert.ok(atLeast([3, 13]));
    assert.ok(atLeast([4, 0]));
    assert.ok(!atLeast([3, 9]));
    assert.ok(!atLeast([2, 7]));
  });
  it('explains an old or broken interpreter', async () => {
    const fx = machine({ '/old/python': '3.8.10', '/broken/python': null });
    const old = await probePython(['/old/python'], fx);
    assert.ok('error' in old && old.error.includes('3.8.10') && old.error.includes('3.10'));
    const broken = await probePython(['/broken/python'], fx);
    assert.ok('error' in broken && broken.error.includes('did not run'));
  });
});

describe('which', () => {
  it('searches PATH in order', async () => {
    const fx = machine({ '/usr/bin/python3': '3.11.2', '/usr/local/bin/python3': '3.12.1' });
    assert.equal(await which('python3', inputs(), fx), '/usr/local/bin/python3');
    assert.equal(await which('nothing', inputs(), fx), undefined);
  });
  it('adds .exe on Windows', async () => {
    const fx = machine({ 'C:\\Python312\\python.exe': '3.12.1' });
    assert.equal(await which('python', inputs({ platform: 'win32', pathEnv: 'C:\\Python312' }), fx), 'C:\\Python312\\python.exe');
  });
});

describe('resolveServer', () => {
  it('takes prismaDown.server.path as given, before anything else', async () => {
    const fx = machine({ '/usr/bin/python3': '3.11.2' }, [BUNDLE]);
    const got = await resolveServer(inputs({ serverPath: ['/opt/pd/bin/prisma-down', 'lsp'] }), fx);
    assert.ok(got.ok);
    assert.equal(got.server.source, 'setting');
    assert.equal(got.server.command, '/opt/pd/bin/prisma-down');
    assert.deepEqual(got.server.args, ['lsp']);
    assert.deepEqual(fx.runs, [], 'nothing probed');
  });

  it('runs the bundled server with PYTHONPATH on the PATH python3', async () => {
    const fx = machine({ '/usr/bin/python3': '3.11.2' }, [BUNDLE]);
    const got = await resolveServer(inputs(), fx);
    assert.ok(got.ok);
    assert.equal(got.server.source, 'bundled');
    assert.equal(got.server.command, '/usr/bin/python3');
    assert.deepEqual(got.server.args, ['-m', 'prisma_down.cli', 'lsp']);
    assert.equal(got.server.env.PYTHONPATH, LIBS);
    assert.equal(got.server.python?.version, '3.11.2');
  });

  it('prefers prismaDown.python, then the Python extension, then PATH', async () => {
    const fx = machine({ '/usr/bin/python3': '3.11.2', '/ws/.venv/bin/python': '3.12.3', '/opt/py313': '3.13.0' }, [BUNDLE]);
    const viaExtension = await resolveServer(inputs({ pythonExtension: ['/ws/.venv/bin/python'] }), fx);
    assert.ok(viaExtension.ok);
    assert.equal(viaExtension.server.command, '/ws/.venv/bin/python');
    assert.equal(viaExtension.server.python?.source, 'python-extension');
    const viaSetting = await resolveServer(inputs({ pythonSetting: '/opt/py313', pythonExtension: ['/ws/.venv/bin/python'] }), fx);
    assert.ok(viaSetting.ok);
    assert.equal(viaSetting.server.command, '/opt/py313');
    assert.equal(viaSetting.server.python?.source, 'setting');
  });

  it('keeps a conda-style execCommand prefix', async () => {
    const fx = machine({ conda: '3.11.9' }, [BUNDLE]);
    const got = await resolveServer(inputs({ pythonExtension: ['conda', 'run', '-n', 'base', 'python'] }), fx);
    assert.ok(got.ok);
    assert.equal(got.server.command, 'conda');
    assert.deepEqual(got.server.args, ['run', '-n', 'base', 'python', '-m', 'prisma_down.cli', 'lsp']);
  });

  it('passes over a Python extension interpreter that is too old', async () => {
    const fx = machine({ '/usr/bin/python3': '3.11.2', '/ws/old/bin/python': '3.9.18' }, [BUNDLE]);
    const got = await resolveServer(inputs({ pythonExtension: ['/ws/old/bin/python'] }), fx);
    assert.ok(got.ok);
    assert.equal(got.server.command, '/usr/bin/python3');
    assert.ok(got.notes.some((n) => n.includes('3.9.18')));
  });

  it('does not fall back from a wrong prismaDown.python to another interpreter', async () => {
    const fx = machine({ '/usr/bin/python3': '3.11.2', '/usr/bin/python2': '2.7.18' }, [BUNDLE]);
    const got = await resolveServer(inputs({ pythonSetting: '/usr/bin/python2' }), fx);
    assert.ok(!got.ok);
    assert.ok(got.notFound.reasons.some((r) => r.startsWith('prismaDown.python:') && r.includes('2.7.18')));
  });

  it('falls back to prisma-down in the workspace venv, then on PATH', async () => {
    const venv = machine({ '/usr/bin/python3': '3.8.10', '/ws/.venv/bin/prisma-down': null }, [BUNDLE]);
    const fromVenv = await resolveServer(inputs(), venv);
    assert.ok(fromVenv.ok);
    assert.equal(fromVenv.server.source, 'venv');
    assert.deepEqual([fromVenv.server.command, ...fromVenv.server.args], ['/ws/.venv/bin/prisma-down', 'lsp']);

    const onPath = await resolveServer(inputs(), machine({ '/usr/local/bin/prisma-down': null }));
    assert.ok(onPath.ok);
    assert.equal(onPath.server.source, 'path');
    assert.ok(onPath.notes.some((n) => n.includes('no bundled server')));
  });

  it('says what to install when nothing works', async () => {
    const got = await resolveServer(inputs(), machine({}, [BUNDLE]));
    assert.ok(!got.ok);
    assert.equal(got.notFound.installCommand, 'sudo apt install python3');
    assert.match(got.notFound.advice, /Python 3\.10 or newer/);
    assert.ok(got.notFound.reasons.some((r) => r.includes('no python3 or python on PATH')));
  });

  it('asks for prisma-down itself when the extension has no bundle', async () => {
    const got = await resolveServer(inputs(), machine({ '/usr/bin/python3': '3.12.0' }));
    assert.ok(!got.ok);
    assert.equal(got.notFound.installCommand, 'python3 -m pip install prisma-down');
  });

  it('names an install command per platform', () => {
    assert.match(installAdvice({ platform: 'darwin' }, true).installCommand, /^brew install python/);
    assert.match(installAdvice({ platform: 'win32' }, true).installCommand, /^winget install Python/);
  });

  it('uses py -3 on Windows', async () => {
    const fx = machine({ 'C:\\Windows\\py.exe': '3.12.1' }, ['C:\\ext\\bundled\\libs\\prisma_down\\cli.py']);
    const got = await resolveServer(
      inputs({ platform: 'win32', pathEnv: 'C:\\Windows', bundledLibs: 'C:\\ext\\bundled\\libs', workspaceFolders: [] }),
      fx,
    );
    assert.ok(got.ok);
    assert.equal(got.server.command, 'C:\\Windows\\py.exe');
    assert.deepEqual(got.server.args, ['-3', '-m', 'prisma_down.cli', 'lsp']);
  });
});
