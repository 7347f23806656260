/** The `prismaDown.*` settings: those the server reads, and those only the client uses. */
import * as vscode from 'vscode';
import { forServer, SECTION, SERVER_KEYS } from './config';

export { forServer, SECTION, SERVER_KEYS };

/** Settings whose change needs a new server process, not a didChangeConfiguration. */
export const RESTART_KEYS = [`${SECTION}.server.path`, `${SECTION}.python`] as const;

export interface ClientSettings {
  serverPath: string[];
  python: string;
}

export function clientSettings(scope?: vscode.ConfigurationScope): ClientSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const serverPath = config.get<unknown>('server.path');
  const python = config.get<unknown>('python');
  return {
    serverPath: Array.isArray(serverPath) ? serverPath.filter((s): s is string => typeof s === 'string') : [],
    python: typeof python === 'string' ? python : '',
  };
}

export function serverSettings(scope?: vscode.ConfigurationScope): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const section: Record<string, unknown> = {};
  for (const key of SERVER_KEYS) {
    section[key] = config.get(key);
  }
  return forServer(section);
}
