/** Finding and starting the language server: one LanguageClient at a time. */
import * as vscode from 'vscode';
import {
  LanguageClient,
  RevealOutputChannelOn,
  State,
  type ClientCapabilities,
  type FeatureState,
  type LanguageClientOptions,
  type ServerOptions,
  type StaticFeature,
} from 'vscode-languageclient/node';
import { describe, resolveServer, type Resolution, type ServerCommand } from './discovery';
import { nodeEffects } from './effects';
import { outputChannel } from './log';
import { pythonExtensionInterpreter } from './python';
import { documentSelector, type FolderMigrations, type SqlFilter } from './selector';
import { clientSettings, forServer, SECTION, serverSettings } from './settings';

export const CLIENT_ID = 'prismaDown';
export const CLIENT_NAME = 'prisma-down';

/**
 * Find the server. In a workspace that is not trusted, nothing of the workspace may choose
 * the program that runs: `prismaDown.python` and `prismaDown.server.path` are restricted
 * settings (VS Code then gives only the user's values), and neither the workspace's
 * `.venv` nor the Python extension's interpreter (often that `.venv`) is used.
 */
export async function findServer(extensionUri: vscode.Uri): Promise<Resolution> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const trusted = vscode.workspace.isTrusted;
  const settings = clientSettings(folders[0]?.uri);
  const pythonExtension = trusted && settings.serverPath.length === 0 && !settings.python.trim()
    ? await pythonExtensionInterpreter(folders[0]?.uri)
    : undefined;
  const resolution = await resolveServer(
    {
      serverPath: settings.serverPath,
      pythonSetting: settings.python,
      pythonExtension,
      bundledLibs: vscode.Uri.joinPath(extensionUri, 'bundled', 'libs').fsPath,
      workspaceFolders: trusted ? folders.filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath) : [],
      platform: process.platform,
      pathEnv: process.env.PATH ?? '',
    },
    nodeEffects,
  );
  if (!trusted) {
    resolution.notes.unshift('the workspace is not trusted: its .venv and the Python extension\'s interpreter are not used');
  }
  return resolution;
}

const decoder = new TextDecoder();

/** A JSON file of a workspace folder, parsed; undefined when absent or not JSON. */
async function readJson(uri: vscode.Uri): Promise<unknown> {
  try {
    return JSON.parse(decoder.decode(await vscode.workspace.fs.readFile(uri))) as unknown;
  } catch {
    return undefined;
  }
}

/** What the server would read for a folder: `.prisma-down.json`, else package.json's `prismaDown`. */
async function projectConfig(folder: vscode.Uri): Promise<unknown> {
  const own = await readJson(vscode.Uri.joinPath(folder, '.prisma-down.json'));
  if (own !== undefined) {
    return own;
  }
  const pkg = await readJson(vscode.Uri.joinPath(folder, 'package.json'));
  return pkg !== null && typeof pkg === 'object' ? (pkg as Record<string, unknown>).prismaDown : undefined;
}

/** The document selector for the workspace as it is now (see selector.ts). */
export async function currentSelector(): Promise<SqlFilter[]> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  const configured: FolderMigrations[] = await Promise.all(
    folders.map(async (f) => ({
      folder: f.uri.fsPath,
      setting: vscode.workspace.getConfiguration(SECTION, f.uri).get<unknown>('migrationsPath'),
      projectConfig: await projectConfig(f.uri),
    })),
  );
  const locks = await vscode.workspace.findFiles('**/migration_lock.toml', '**/node_modules/**', 100);
  const lockFolders = locks.filter((u) => u.scheme === 'file').map((u) => vscode.Uri.joinPath(u, '..').fsPath);
  return documentSelector(configured, lockFolders);
}

export function createClient(server: ServerCommand, selector: SqlFilter[]): LanguageClient {
  const log = outputChannel();
  const cwd = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
  const serverOptions: ServerOptions = {
    command: server.command,
    args: server.args,
    // No `transport`: TransportKind.stdio would append `--stdio`, which `prisma-down lsp`
    // does not take; a plain executable speaks over stdio anyway.
    options: { cwd, env: { ...process.env, ...server.env } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: selector,
    outputChannel: log,
    traceOutputChannel: log,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: serverSettings(),
    // Settings changes go to the server as workspace/didChangeConfiguration (it then pulls
    // them). No `fileEvents`: the server registers its own file watchers, and both would
    // deliver every event twice.
    synchronize: { configurationSection: SECTION },
    middleware: {
      workspace: {
        // The server gets only the keys it reads, without unset values.
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) {
            return result;
          }
          return result.map((value: unknown, i) => (params.items[i]?.section === SECTION ? forServer(value) : value));
        },
      },
    },
  };
  log.info(`starting the server: ${describe(server)}`);
  log.info(`documents: ${selector.map((f) => f.pattern).join(', ')}`);
  const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  client.registerFeature(new PushedDiagnostics());
  return client;
}

/**
 * Ask for pushed diagnostics, not pulled ones. The server serves a client that can pull
 * (and be told to re-pull) by pull only, without workspace diagnostics, and VS Code pulls
 * only for open documents: a migration never opened, or created on disk, would show no
 * problem, and the status bar could not count the migrations without down.sql. Pushed,
 * every migration of the project is in the Problems panel. Registered after the built-in
 * features, so its capabilities edit runs last.
 */
class PushedDiagnostics implements StaticFeature {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    delete capabilities.textDocument?.diagnostic;
    delete capabilities.workspace?.diagnostics;
  }

  initialize(): void {
    // nothing to set up: this feature only edits the capabilities
  }

  getState(): FeatureState {
    return { kind: 'static' };
  }

  clear(): void {
    // nothing to clear
  }
}

export { State };
