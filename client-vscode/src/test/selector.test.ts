/** The document selector follows the configured migrations folders: `npm test`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PATTERN, documentSelector, globFolder, migrationFolders } from '../common/selector';

const patterns = (...args: Parameters<typeof documentSelector>): string[] => documentSelector(...args).map((f) => f.pattern);

describe('document selector', () => {
  it('has the default pattern alone when nothing is configured', () => {
    assert.deepEqual(patterns([{ folder: '/ws' }]), [DEFAULT_PATTERN]);
    assert.deepEqual(documentSelector([{ folder: '/ws' }])[0], { scheme: 'file', language: 'sql', pattern: DEFAULT_PATTERN });
  });

  it('follows prismaDown.migrationsPath, relative to its workspace folder', () => {
    assert.deepEqual(patterns([{ folder: '/ws/app', setting: 'db/changes' }], [], 'linux'), [DEFAULT_PATTERN, '/ws/app/db/changes/**/*.sql']);
  });

  it('follows migrationsPath of .prisma-down.json (or package.json prismaDown)', () => {
    assert.deepEqual(patterns([{ folder: '/ws', projectConfig: { migrationsPath: './sql/history/' } }], [], 'linux'), [
      DEFAULT_PATTERN,
      '/ws/sql/history/**/*.sql',
    ]);
  });

  it('covers each folder holding migration_lock.toml (prisma.config.ts migrations.path)', () => {
    assert.deepEqual(migrationFolders([{ folder: '/ws' }], ['/ws/database/steps', '/ws/database/steps/'], 'linux'), ['/ws/database/steps']);
  });

  it('ignores values the server would reject', () => {
    for (const bad of ['', '   ', 42, null, ['db'], { path: 'db' }]) {
      assert.deepEqual(patterns([{ folder: '/ws', setting: bad, projectConfig: { migrationsPath: bad } }], [], 'linux'), [DEFAULT_PATTERN]);
    }
    assert.deepEqual(patterns([{ folder: '/ws', projectConfig: 'db' }], [], 'linux'), [DEFAULT_PATTERN]);
  });

  it('escapes glob characters in folder names and uses / on Windows', () => {
    assert.equal(globFolder('/ws/[a]{b}*?/', 'linux'), '/ws/[[]a[]][{]b[}][*][?]');
    assert.deepEqual(patterns([{ folder: 'C:\\ws', setting: 'db\\changes' }], [], 'win32'), [DEFAULT_PATTERN, 'C:/ws/db/changes/**/*.sql']);
  });
});
