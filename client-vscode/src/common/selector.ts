/**
 * Which documents the language client hands to the server (pure: no `vscode`, unit-tested).
 *
 * Any `.sql` under a folder named `migrations`, plus every configured migrations folder: the
 * `prismaDown.migrationsPath` setting and the `migrationsPath` of the project's
 * `.prisma-down.json` (or package.json `prismaDown`), each relative to its workspace folder
 * as the server reads them, and every folder holding a `migration_lock.toml` (where Prisma
 * keeps it, so a `migrations.path` of prisma.config.ts is covered without running it).
 */
import * as path from 'node:path';

export const DEFAULT_PATTERN = '**/migrations/**/*.sql';

export interface FolderMigrations {
  /** The workspace folder (a file-system path). */
  folder: string;
  /** `prismaDown.migrationsPath` for this folder, if set. */
  setting?: unknown;
  /** The parsed `.prisma-down.json`, or package.json's `prismaDown` value, if any. */
  projectConfig?: unknown;
}

export interface SqlFilter {
  scheme: 'file';
  language: 'sql';
  pattern: string;
}

/** A configured `migrationsPath`, when it is a usable one (as core/settings.py accepts it). */
export function configuredPath(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** The `migrationsPath` of a project config object. */
export function projectPath(config: unknown): string | undefined {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    return undefined;
  }
  return configuredPath((config as Record<string, unknown>).migrationsPath);
}

/** A folder as a glob that matches only itself: glob characters in its name are escaped. */
export function globFolder(folder: string, platform: NodeJS.Platform = process.platform): string {
  const slashed = platform === 'win32' ? folder.replace(/\\/g, '/') : folder;
  return slashed.replace(/\/+$/, '').replace(/[[\]{}*?]/g, (c) => `[${c}]`);
}

/** The migrations folders configured or found, absolute, without duplicates. */
export function migrationFolders(
  folders: readonly FolderMigrations[],
  lockFolders: readonly string[] = [],
  platform: NodeJS.Platform = process.platform,
): string[] {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const out = new Set<string>();
  for (const f of folders) {
    for (const configured of [configuredPath(f.setting), projectPath(f.projectConfig)]) {
      if (configured) {
        out.add(p.resolve(f.folder, configured));
      }
    }
  }
  for (const lock of lockFolders) {
    out.add(p.resolve(lock));
  }
  return [...out].sort();
}

/** The client's document selector: the default pattern, then one per migrations folder. */
export function documentSelector(
  folders: readonly FolderMigrations[],
  lockFolders: readonly string[] = [],
  platform: NodeJS.Platform = process.platform,
): SqlFilter[] {
  const patterns = [DEFAULT_PATTERN, ...migrationFolders(folders, lockFolders, platform).map((m) => `${globFolder(m, platform)}/**/*.sql`)];
  return patterns.map((pattern) => ({ scheme: 'file', language: 'sql', pattern }));
}
