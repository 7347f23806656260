/** The `prismaDown.*` settings: those the server reads, and those only the client uses. */
import * as vscode from 'vscode';

export const SECTION = 'prismaDown';
/** The keys the server reads (core/settings.py); the rest of the section is the client's. */
export const SERVER_KEYS = ['migrationsPath', 'dialect', 'rules', 'archiveSuffix'] as const;
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

/**
 * The part of a `prismaDown` section the server understands, without unset values: the
 * server reports an empty string as a bad value, and `null` means "not set" here.
 */
export function forServer(section: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (section === null || typeof section !== 'object') {
    return out;
  }
  const raw = section as Record<string, unknown>;
  for (const key of SERVER_KEYS) {
    const value = raw[key];
    if (value === null || value === undefined || value === '') {
      continue;
    }
    out[key] = value;
  }
  return out;
}

export function serverSettings(scope?: vscode.ConfigurationScope): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const section: Record<string, unknown> = {};
  for (const key of SERVER_KEYS) {
    section[key] = config.get(key);
  }
  return forServer(section);
}
