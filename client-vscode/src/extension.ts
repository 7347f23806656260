/**
 * prisma-down for VS Code: finds the language server, starts it, restarts it when its
 * settings or the Python interpreter change, and offers the commands around it. The work
 * (diagnostics, quick fixes, code lenses, hovers) is the server's.
 */
import * as vscode from 'vscode';
import { ExecuteCommandRequest, type LanguageClient } from 'vscode-languageclient/node';
import { CLIENT, migrationFile, SERVER } from './common/commands';
import type { NotFound } from './common/discovery';
import { outputChannel } from './common/log';
import { onPythonInterpreterChanged } from './common/python';
import type { SqlFilter } from './common/selector';
import { createClient, currentSelector, findServer, State } from './common/server';
import { clientSettings, RESTART_KEYS, SECTION } from './common/settings';
import { StatusItem } from './common/status';

let client: LanguageClient | undefined;
let lifecycle: Promise<void> = Promise.resolve();
/** The document selector the running client was started with (JSON), to spot a change. */
let startedWith = '';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = outputChannel();
  const status = new StatusItem();
  context.subscriptions.push(log, status);
  const version = (context.extension.packageJSON as { version?: string }).version ?? '?';
  log.info(`prisma-down ${version} activating`);

  /** Stop the running server (if any), find the server again and start it. Serialised. */
  const restart = (): Promise<void> => {
    lifecycle = lifecycle.then(() => restartNow(context, status)).catch((e: unknown) => {
      log.error(`restart failed: ${String(e)}`);
      status.set('failed', String(e));
    });
    return lifecycle;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(CLIENT.generate, (uri?: unknown) => generate(uri)),
    vscode.commands.registerCommand(CLIENT.generateAll, () => generateAll()),
    vscode.commands.registerCommand(CLIENT.verify, (uri?: unknown) => verify(uri)),
    vscode.commands.registerCommand(CLIENT.verifyAll, () => verifyAll()),
    vscode.commands.registerCommand(CLIENT.check, () =>
      vscode.commands.executeCommand('workbench.actions.view.problems'),
    ),
    vscode.commands.registerCommand(CLIENT.restart, () => restart()),
    vscode.commands.registerCommand(CLIENT.showOutput, () => { log.show(); }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // The server's own settings reach it through workspace/didChangeConfiguration
      // (synchronize.configurationSection); these two decide which process runs.
      if (RESTART_KEYS.some((key) => e.affectsConfiguration(key))) {
        log.info('server.path or python changed: restarting the server');
        void restart();
      } else if (e.affectsConfiguration(`${SECTION}.migrationsPath`)) {
        void restartIfSelectorChanged('prismaDown.migrationsPath changed');
      }
    }),
    // The document selector follows the migrations folders: a new migration_lock.toml, or a
    // changed .prisma-down.json / package.json, may name another one.
    ...watch('**/{migration_lock.toml,.prisma-down.json,package.json}', (uri) => {
      if (!uri.path.includes('/node_modules/')) {
        void restartIfSelectorChanged(`${vscode.workspace.asRelativePath(uri)} changed`);
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      log.info('the workspace is trusted now: finding the server again');
      void restart();
    }),
    { dispose: () => void client?.stop() },
  );

  void onPythonInterpreterChanged(() => {
    const settings = clientSettings();
    if (settings.serverPath.length === 0 && !settings.python.trim()) {
      log.info('the Python extension\'s interpreter changed: restarting the server');
      void restart();
    }
  }).then((d) => d && context.subscriptions.push(d));

  /** Restart when the migrations folders changed the document selector, else nothing. */
  const restartIfSelectorChanged = async (why: string): Promise<void> => {
    if (JSON.stringify(await currentSelector()) !== startedWith) {
      log.info(`${why}: the migrations folders changed, restarting the client`);
      await restart();
    }
  };

  await restart();
}

function watch(glob: string, changed: (uri: vscode.Uri) => void): vscode.Disposable[] {
  const watcher = vscode.workspace.createFileSystemWatcher(glob);
  return [watcher, watcher.onDidCreate(changed), watcher.onDidChange(changed), watcher.onDidDelete(changed)];
}

export async function deactivate(): Promise<void> {
  await lifecycle.catch(() => undefined);
  await client?.stop();
  client = undefined;
}

async function restartNow(context: vscode.ExtensionContext, status: StatusItem): Promise<void> {
  const log = outputChannel();
  status.set('starting');
  if (client) {
    const old = client;
    client = undefined;
    try {
      await old.stop(5000);
    } catch (e) {
      log.warn(`the old server did not stop cleanly: ${String(e)}`);
    }
  }
  const found = await findServer(context.extensionUri);
  for (const note of found.notes) {
    log.info(`server discovery: ${note}`);
  }
  if (!found.ok) {
    status.set('failed', found.notFound.advice);
    log.error(`${found.notFound.advice}: ${found.notFound.reasons.join('; ')}`);
    void tellNotFound(found.notFound);
    return;
  }
  const selector: SqlFilter[] = await currentSelector();
  startedWith = JSON.stringify(selector);
  const next = createClient(found.server, selector);
  next.onDidChangeState((e) => {
    if (client !== next) {
      return;
    }
    status.set(e.newState === State.Running ? 'running' : e.newState === State.Starting ? 'starting' : 'stopped');
  });
  client = next;
  try {
    await next.start();
    status.set('running');
  } catch (e) {
    log.error(`the server did not start: ${String(e)}`);
    status.set('failed', 'the language server did not start');
  }
}

/** One notification: what to install, a button that copies the command, one for settings. */
async function tellNotFound(notFound: NotFound): Promise<void> {
  const copy = 'Copy Install Command';
  const settings = 'Open Settings';
  const output = 'Show Output';
  const pick = await vscode.window.showErrorMessage(
    `prisma-down: ${notFound.advice} to run its language server, e.g. \`${notFound.installCommand}\`, ` +
      'then run "prisma-down: Restart server" — or set prismaDown.python to a Python 3.10+ interpreter. ' +
      `Tried: ${notFound.reasons.join('; ')}.`,
    copy,
    settings,
    output,
  );
  if (pick === copy) {
    await vscode.env.clipboard.writeText(notFound.installCommand);
    void vscode.window.showInformationMessage(`Copied: ${notFound.installCommand}`);
  } else if (pick === settings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'prismaDown.python');
  } else if (pick === output) {
    outputChannel().show();
  }
}

async function running(): Promise<LanguageClient | undefined> {
  await lifecycle.catch(() => undefined);
  if (client?.state === State.Running) {
    return client;
  }
  const pick = await vscode.window.showErrorMessage('prisma-down: the language server is not running.', 'Restart', 'Show Output');
  if (pick === 'Restart') {
    await vscode.commands.executeCommand(CLIENT.restart);
  } else if (pick === 'Show Output') {
    outputChannel().show();
  }
  return undefined;
}

/** The migration.sql a command was invoked on: a menu's resource, else the active editor's. */
function migrationOf(arg: unknown): vscode.Uri | undefined {
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (!uri) {
    return undefined;
  }
  const path = migrationFile(uri.path);
  return path === undefined ? undefined : uri.with({ path });
}

async function generate(arg: unknown): Promise<void> {
  const migration = migrationOf(arg);
  if (!migration) {
    void vscode.window.showWarningMessage('prisma-down: open a migration.sql to generate its down.sql.');
    return;
  }
  const c = await running();
  if (!c) {
    return;
  }
  // The server writes the file (only if there is none), reports, and shows it.
  await c.sendRequest(ExecuteCommandRequest.type, {
    command: SERVER.generate,
    arguments: [c.code2ProtocolConverter.asUri(migration)],
  });
}

async function generateAll(): Promise<void> {
  const c = await running();
  if (!c) {
    return;
  }
  await c.sendRequest(ExecuteCommandRequest.type, { command: SERVER.generateAll, arguments: [] });
}

/**
 * Verify the down.sql of the migration open in the editor (its migration.sql or down.sql)
 * on a throwaway database. The server runs it with progress, puts what differs on down.sql
 * and says the verdict in a notification; what is verified is the editor's text, saved or not.
 */
async function verify(arg: unknown): Promise<void> {
  const migration = migrationOf(arg);
  if (!migration) {
    void vscode.window.showWarningMessage('prisma-down: open a migration.sql or its down.sql to verify the down.sql.');
    return;
  }
  const c = await running();
  if (!c) {
    return;
  }
  await c.sendRequest(ExecuteCommandRequest.type, {
    command: SERVER.verify,
    arguments: [c.code2ProtocolConverter.asUri(migration)],
  });
}

async function verifyAll(): Promise<void> {
  const c = await running();
  if (!c) {
    return;
  }
  await c.sendRequest(ExecuteCommandRequest.type, { command: SERVER.verifyAll, arguments: [] });
}
