/** The verify commands and setting: ids, manifest and what reaches the server: `npm test`. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLIENT, migrationFile, SERVER } from '../common/commands';
import { forServer } from '../common/config';

interface Manifest {
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Partial<Record<string, { command: string; when?: string }[]>>;
    configuration: { properties: Record<string, { default?: unknown; markdownDescription?: string; type?: unknown }> };
  };
}

// out/test/verify.test.js → client-vscode/package.json
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as Manifest;

describe('migrationFile', () => {
  it('takes a migration.sql as it is', () => {
    assert.equal(migrationFile('/p/prisma/migrations/20240101_init/migration.sql'), '/p/prisma/migrations/20240101_init/migration.sql');
  });
  it('finds the migration.sql beside a down.sql', () => {
    assert.equal(migrationFile('/p/prisma/migrations/20240101_init/down.sql'), '/p/prisma/migrations/20240101_init/migration.sql');
    assert.equal(migrationFile('/c:/w/migrations/1_a/down.sql'), '/c:/w/migrations/1_a/migration.sql');
  });
  it('refuses any other file', () => {
    assert.equal(migrationFile('/p/prisma/schema.prisma'), undefined);
    assert.equal(migrationFile('/p/prisma/migrations/1_a/old-down.sql'), undefined);
    assert.equal(migrationFile('/p/prisma/migrations/1_a'), undefined);
  });
});

describe('the verify.databaseUrl setting reaches the server', () => {
  it('as verify.databaseUrl, the other keys untouched', () => {
    const url = 'postgresql://me:secret@localhost:5432/scratch';
    assert.deepEqual(forServer({ dialect: 'sqlite', verify: { databaseUrl: url }, python: '/usr/bin/python3' }), {
      dialect: 'sqlite',
      verify: { databaseUrl: url },
    });
  });
  it('with verify.partial when it is on', () => {
    assert.deepEqual(forServer({ verify: { databaseUrl: null, partial: true } }), { verify: { partial: true } });
    assert.deepEqual(forServer({ verify: { databaseUrl: 'mysql://r@h/d', partial: true } }), {
      verify: { databaseUrl: 'mysql://r@h/d', partial: true },
    });
    assert.deepEqual(forServer({ verify: { partial: false } }), {});
  });
  it('with verify.empty when it is on', () => {
    assert.deepEqual(forServer({ verify: { databaseUrl: null, empty: true } }), { verify: { empty: true } });
    assert.deepEqual(forServer({ verify: { partial: true, empty: true } }), { verify: { partial: true, empty: true } });
    assert.deepEqual(forServer({ verify: { empty: false } }), {});
  });
  it('not at all when unset (null, empty or absent)', () => {
    for (const verify of [{ databaseUrl: null }, { databaseUrl: '' }, {}, null, undefined, 'x']) {
      assert.deepEqual(forServer({ archiveSuffix: '_old', verify }), { archiveSuffix: '_old' });
    }
  });
});

describe('the manifest', () => {
  const commands = manifest.contributes.commands;
  const byId = new Map(commands.map((c) => [c.command, c]));

  it('contributes both verify commands to the command palette', () => {
    assert.equal(byId.get(CLIENT.verify)?.title, 'Verify down.sql');
    assert.equal(byId.get(CLIENT.verifyAll)?.title, 'Verify all migrations');
    for (const id of [CLIENT.verify, CLIENT.verifyAll]) {
      assert.equal(byId.get(id)?.category, 'prisma-down');
    }
    const palette = manifest.contributes.menus.commandPalette ?? [];
    const verifyWhen = palette.find((m) => m.command === CLIENT.verify)?.when ?? '';
    assert.ok(verifyWhen.includes('migration.sql') && verifyWhen.includes('down.sql'), verifyWhen);
    assert.equal(palette.find((m) => m.command === CLIENT.verifyAll), undefined); // always there
  });
  it('contributes every command the extension registers, and none the server registers', () => {
    assert.deepEqual(new Set(commands.map((c) => c.command)), new Set(Object.values(CLIENT)));
    for (const server of Object.values(SERVER)) {
      assert.ok(!byId.has(server), `${server} is registered by the language client already`);
    }
  });
  it('declares the database setting as a disposable, optional URL', () => {
    const setting = manifest.contributes.configuration.properties['prismaDown.verify.databaseUrl'];
    assert.ok(setting, 'prismaDown.verify.databaseUrl is declared');
    assert.equal(setting.default, null);
    assert.deepEqual(setting.type, ['string', 'null']);
    assert.match(setting.markdownDescription ?? '', /disposable/i);
  });
});
