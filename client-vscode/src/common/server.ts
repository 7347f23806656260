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
import { clientSettings, forServer, SECTION, serverSettings } from './settings';

export const CLIENT_ID = 'prismaDown';
export const CLIENT_NAME = 'prisma-down';

/** sql files under a migrations folder: migration.sql and down.sql. */
export const DOCUMENT_SELECTOR = [{ scheme: 'file', language: 'sql', pattern: '**/migrations/**/*.sql' }];

export async function findServer(extensionUri: vscode.Uri): Promise<Resolution> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const settings = clientSettings(folders[0]?.uri);
  const pythonExtension = settings.serverPath.length === 0 && !settings.python.trim()
    ? await pythonExtensionInterpreter(folders[0]?.uri)
    : undefined;
  return resolveServer(
    {
      serverPath: settings.serverPath,
      pythonSetting: settings.python,
      pythonExtension,
      bundledLibs: vscode.Uri.joinPath(extensionUri, 'bundled', 'libs').fsPath,
      workspaceFolders: folders.filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
      platform: process.platform,
      pathEnv: process.env.PATH ?? '',
    },
    nodeEffects,
  );
}

export function createClient(server: ServerCommand): LanguageClient {
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
    documentSelector: DOCUMENT_SELECTOR,
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
