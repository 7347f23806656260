/**
 * Command ids (pure: no `vscode`, unit-tested). The server's commands (workspace/executeCommand)
 * are registered in VS Code by the language client itself, so the extension's own palette
 * commands must have other ids: two registrations of one id make the second one fail.
 */

/** Commands the server implements. */
export const SERVER = {
  generate: 'prismaDown.generateDownSql',
  generateAll: 'prismaDown.generateAll',
  verify: 'prismaDown.verifyMigration',
  verifyAll: 'prismaDown.verifyAll',
} as const;

/** The extension's commands (package.json `contributes.commands`). */
export const CLIENT = {
  generate: 'prismaDown.generate',
  generateAll: 'prismaDown.generateAllMissing',
  verify: 'prismaDown.verify',
  verifyAll: 'prismaDown.verifyAllMigrations',
  check: 'prismaDown.checkMigrations',
  restart: 'prismaDown.restart',
  showOutput: 'prismaDown.showOutput',
} as const;

/**
 * The migration.sql of the migration a file belongs to: the file itself, or the migration.sql
 * beside a down.sql; undefined for any other file. `path` is a URI path ('/'-separated).
 */
export function migrationFile(path: string): string | undefined {
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  if (name === 'migration.sql') {
    return path;
  }
  return name === 'down.sql' ? `${path.slice(0, slash)}/migration.sql` : undefined;
}
