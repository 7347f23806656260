// A real VS Code (code-server + Chromium, driven by playwright-core) with the built .vsix.
// Run by tests/editors/test_vscode.py, with Node 24 first on PATH. All input comes from env:
//   E2E_TOOLS       folder whose node_modules hold code-server and playwright-core
//   E2E_CHROMIUM    the Chromium binary
//   E2E_VSIX        the extension to install
//   E2E_PROJECT     a throwaway copy of examples/blog
//   E2E_MIGRATION   the migration folder name to generate down.sql for
//   E2E_EXPECTED    a file holding what `prisma-down generate <folder> --stdout` prints
//   E2E_PYTHON      the interpreter for prismaDown.python (no prisma-down installed in it)
//   E2E_WORK        a scratch folder (code-server's config, data, extensions; screenshots)
//   E2E_SQLITE      a SQLite project inside E2E_PROJECT (relative), its down.sql generated,
//                   with 3_add_name/down.sql broken: "Verify down.sql" is run on it
//   E2E_CASE        "blog" (the default: all of the above) or "changes": E2E_PROJECT keeps
//                   its migrations in E2E_CHANGES (default db/changes), named by the
//                   workspace setting prismaDown.migrationsPath; E2E_MIGRATION is one of them
// Exit 0 when every step passed; the last line names the final screenshot.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
};
const TOOLS = env('E2E_TOOLS');
const CHROMIUM = env('E2E_CHROMIUM');
const VSIX = env('E2E_VSIX');
const PROJECT = env('E2E_PROJECT');
const MIGRATION = env('E2E_MIGRATION');
const EXPECTED = readFileSync(env('E2E_EXPECTED'), 'utf8');
const PYTHON = env('E2E_PYTHON');
const WORK = env('E2E_WORK');
const CASE = process.env.E2E_CASE ?? 'blog';
// E2E_CASE=changes: the migrations folder (relative to E2E_PROJECT) that the workspace's
// prismaDown.migrationsPath names; E2E_SQLITE is not used then.
const CHANGES = process.env.E2E_CHANGES ?? 'db/changes';
const SQLITE = CASE === 'changes' ? '' : env('E2E_SQLITE');
const NEW_MIGRATION = '20240701120000_add_user_nickname';

const require = createRequire(join(TOOLS, 'node_modules', 'noop.js'));
const { chromium } = require('playwright-core');
const CODE_SERVER = join(TOOLS, 'node_modules', '.bin', 'code-server');

const started = Date.now();
const log = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Poll `probe` until it returns a truthy value; throw `what` after `timeoutMs`. */
async function until(what, probe, timeoutMs = 30_000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) {
        return last;
      }
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} (last: ${String(last)})`);
    }
    await sleep(everyMs);
  }
}

/** The running language server's process: its argv and PYTHONPATH, read from /proc. */
function serverProcesses() {
  const found = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (!argv.includes('prisma_down.cli') && !argv.some((a) => a.endsWith('prisma-down'))) {
        continue;
      }
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const pythonpath = environ.find((e) => e.startsWith('PYTHONPATH='))?.slice('PYTHONPATH='.length);
      found.push({ pid, argv, pythonpath });
    } catch {
      // the process ended meanwhile, or is not ours to read
    }
  }
  return found;
}

// --- code-server: its own config, data and extensions folders, the .vsix installed -------
const config = join(WORK, 'config.yaml');
const data = join(WORK, 'data');
const extensions = join(WORK, 'extensions');
mkdirSync(join(data, 'User'), { recursive: true });
mkdirSync(join(data, 'Machine'), { recursive: true });
// code-server windows are remote ones: machine-scoped settings (prismaDown.python) are read
// from the server's Machine settings, not from the User settings.
writeFileSync(join(data, 'Machine', 'settings.json'), JSON.stringify({ 'prismaDown.python': PYTHON }, null, 2));
writeFileSync(config, 'auth: none\ncert: false\n');
writeFileSync(
  join(data, 'User', 'settings.json'),
  JSON.stringify(
    {
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'update.mode': 'none',
      'chat.disableAIFeatures': true,
      'editor.codeLens': true,
      'window.restoreWindows': 'none',
      'prismaDown.trace.server': 'verbose',
    },
    null,
    2,
  ),
);
const base = ['--config', config, '--user-data-dir', data, '--extensions-dir', extensions];
const installing = Date.now();
const install = spawnSync(CODE_SERVER, [...base, '--install-extension', VSIX], { encoding: 'utf8' });
if (install.status !== 0) {
  throw new Error(`code-server --install-extension failed:\n${install.stdout}\n${install.stderr}`);
}
log(`installed ${VSIX} in ${((Date.now() - installing) / 1000).toFixed(1)}s: ${install.stdout.trim().split('\n').pop()}`);

const port = await freePort();
const serverLog = [];
const codeServer = spawn(
  CODE_SERVER,
  [...base, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', ...(process.env.E2E_LOG ? ['--log', process.env.E2E_LOG] : []), PROJECT],
  { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
);
codeServer.stdout.on('data', (chunk) => serverLog.push(String(chunk)));
codeServer.stderr.on('data', (chunk) => serverLog.push(String(chunk)));

let browser;
let page;
let failed = false;
const shot = async (name) => {
  const file = join(WORK, `${name}.png`);
  await page?.screenshot({ path: file });
  return file;
};

try {
  await until('code-server to listen', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 60_000, 300);
  log(`code-server up on port ${port}`);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') {
      consoleErrors.push(m.text());
    }
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${String(e)}`));
  globalThis.consoleErrors = consoleErrors;
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(PROJECT)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.statusbar', { timeout: 30_000 });
  log('workbench loaded');

  if (CASE !== 'changes') {
    // The server is up: the status bar item stops spinning (check or warning icon).
    const status = page.locator('.statusbar-item', { hasText: 'prisma-down' }).first();
    await until('the prisma-down status bar item to show a running server', async () =>
      (await status.locator('.codicon-check, .codicon-warning').count()) > 0, 60_000);
    log(`server running: status bar "${(await status.innerText()).trim()}"`);

    // Open the migration: Quick Open with its relative path.
    const relative = `prisma/migrations/${MIGRATION}/migration.sql`;
    const openMigration = async () => until('the migration.sql editor', async () => {
      await page.keyboard.press('Control+P');
      await page.waitForSelector('.quick-input-widget input', { timeout: 5000 });
      await page.keyboard.type(relative, { delay: 5 });
      await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 5000 });
      await page.keyboard.press('Enter');
      await page.waitForSelector('.tab.active[data-resource-name="migration.sql"], .tab.active:has-text("migration.sql")', { timeout: 5000 });
      return true;
    }, 30_000, 1000);
    await openMigration();
    log(`opened ${relative}`);

    // The status bar counts the migrations without down.sql (all 8 of examples/blog).
    const statusText = async () => (await status.innerText()).trim();
    // "N without down.sql" (warning icon), or none (check icon); undefined while starting.
    const missingCount = async () => {
      const m = /(\d+) without down\.sql/.exec(await statusText());
      if (m) {
        return Number(m[1]);
      }
      return (await status.locator('.codicon-check').count()) > 0 ? 0 : undefined;
    };
    const before = await until('the status bar item to count missing down.sql', async () => {
      const n = await missingCount();
      return n !== undefined && n > 0 ? n : undefined;
    }, 60_000);
    log(`status bar: ${await statusText()}`);

    // The bundled server runs, on the interpreter we set, from the installed extension.
    const servers = serverProcesses();
    log(`server processes: ${JSON.stringify(servers)}`);
    const bundled = servers.find((s) => s.argv[0] === PYTHON && s.pythonpath?.startsWith(extensions));
    if (!bundled) {
      throw new Error(`no server process runs ${PYTHON} with PYTHONPATH in ${extensions}: ${JSON.stringify(servers)}`);
    }

    // Problems panel: missing-down-sql for this migration.
    await page.keyboard.press('Control+Shift+M');
    // The workspace holds two projects (the second one for Verify down.sql), and the panel
    // renders only the rows it shows: filter it down to this migration's problems.
    const filter = page.locator('.markers-panel-action-filter input, input[placeholder^="Filter (e.g."]').first();
    await until('the Problems panel filter', async () => (await filter.count()) > 0 || undefined, 15_000);
    await filter.fill(MIGRATION);
    const missingRow = await until(`missing-down-sql for ${MIGRATION} in the Problems panel`, async () => {
      const rows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
      return rows.find((r) => r.includes('missing-down-sql') && r.includes(`${MIGRATION} has no down.sql`));
    }, 60_000);
    const problems = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
    log(`Problems panel: ${problems.length} rows, first: ${JSON.stringify(problems.slice(0, 4))}`);

    // Code lens before.
    const lenses = async () => (await page.locator('.monaco-editor .codelens-decoration').allInnerTexts()).join(' | ');
    try {
      await until('the "down.sql missing" code lens', async () => (await lenses()).includes('down.sql missing'), 8_000);
    } catch {
      // Seen in code-server 4.139.1: the editor opened by Quick Open sometimes never asks for
      // code lenses (no textDocument/codeLens in the trace) until it is shown again.
      log('QUIRK: no code lens request for the first editor; closing and reopening it');
      // A fresh editor for the same file asks again. Retried: under load the first reopen can
      // race the workbench restoring its layout.
      await until('the "down.sql missing" code lens after reopening', async () => {
        await page.keyboard.press('Escape');
        await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
        await page.keyboard.press('Control+W');
        await openMigration();
        const deadline = Date.now() + 8_000;
        while (Date.now() < deadline) {
          if ((await lenses()).includes('down.sql missing')) return true;
          await page.waitForTimeout(250);
        }
        return undefined;
      }, 45_000, 500);
    }
    log(`code lens: ${await lenses()}`);
    await shot('1-missing');

    // The quick fix: cursor on the line of the missing-down-sql diagnostic, Ctrl+., pick it.
    const line = /\[Ln (\d+), Col \d+\]/.exec(missingRow)?.[1] ?? '1';
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.waitForSelector('.quick-input-widget input', { timeout: 5000 });
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
    const action = await until('the "Generate down.sql" quick fix', async () => {
      await page.keyboard.press('Control+.');
      await page.waitForSelector('.action-widget .monaco-list-row', { timeout: 5000 });
      const rows = page.locator('.action-widget .monaco-list-row', { hasText: 'Generate down.sql' });
      if ((await rows.count()) === 0) {
        log(`quick fix menu: ${JSON.stringify(await page.locator('.action-widget .monaco-list-row').allInnerTexts())}`);
        await page.keyboard.press('Escape');
        return undefined;
      }
      return rows.first();
    }, 30_000, 1000);
    await shot('2-quick-fix');
    log(`quick fix menu: ${JSON.stringify(await page.locator('.action-widget .monaco-list-row').allInnerTexts())}`);
    await action.click();
    log('applied "Generate down.sql"');

    // The file on disk is exactly what the CLI writes (saved by VS Code's refactoring auto-save,
    // else by Ctrl+S in the new editor, as a user would).
    const downPath = join(PROJECT, 'prisma', 'migrations', MIGRATION, 'down.sql');
    const onDisk = () => (existsSync(downPath) ? readFileSync(downPath, 'utf8') : undefined);
    try {
      await until('down.sql on disk', () => onDisk() === EXPECTED, 10_000);
    } catch {
      log(`down.sql not saved yet (${onDisk() === undefined ? 'absent' : `${onDisk().length} chars`}): saving it`);
      await page.keyboard.press('Control+S');
      await until('down.sql on disk', () => onDisk() === EXPECTED, 10_000);
    }
    log(`down.sql on disk equals the CLI's output (${EXPECTED.length} chars)`);

    // Back in migration.sql, the lens now says the schema is restored.
    await page.locator('.tab', { hasText: 'migration.sql' }).first().click();
    await until('the "down.sql restores the schema" code lens', async () => (await lenses()).includes('down.sql restores the schema'), 30_000);
    log(`code lens: ${await lenses()}`);
    const afterGenerate = before - 1;
    await until('the status bar to count one fewer', async () => (await missingCount()) === afterGenerate, 30_000);
    log(`status bar: ${await statusText()}`);

    // A migration folder created on disk while the editor is open gets its diagnostic.
    const fresh = join(PROJECT, 'prisma', 'migrations', NEW_MIGRATION);
    mkdirSync(fresh);
    writeFileSync(join(fresh, 'migration.sql'), '-- AlterTable\nALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n');
    log(`created ${NEW_MIGRATION}/migration.sql on disk`);
    await page.keyboard.press('Control+Shift+M');
    // The list is virtual (only visible rows exist): filter it down to the new migration.
    await page.locator('.markers-panel-container .viewpane-filter input, .panel .viewpane-filter input').first().fill(NEW_MIGRATION);
    await until(`a Problems row for ${NEW_MIGRATION}`, async () => {
      const rows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
      return rows.some((r) => r.includes(NEW_MIGRATION));
    }, 45_000);
    await until('the status bar to count the new migration', async () => (await missingCount()) === afterGenerate + 1, 30_000);
    log(`status bar: ${await statusText()}`);
    log(`Problems panel: ${JSON.stringify((await page.locator('.markers-panel .monaco-list-row').allInnerTexts()).slice(0, 6))}`);

    // "prisma-down: Verify down.sql" from the Command Palette, on the active editor's down.sql
    // (a SQLite history: verify runs in-process, no database server needed).
    const toasts = async () => page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
    const verifyFromPalette = async (migration) => {
      const file = `${SQLITE}/prisma/migrations/${migration}/down.sql`;
      await until(`the ${migration}/down.sql editor`, async () => {
        await page.keyboard.press('Escape');
        // Focus an editor first: Quick Open's key does nothing in the Problems filter box.
        await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
        await page.keyboard.press('Control+P');
        await page.waitForSelector('.quick-input-widget input', { timeout: 5000 });
        await page.keyboard.type(file, { delay: 5 });
        // Recently opened files are listed before the search for the typed path answers:
        // wait for the row of this migration's file, not just any row, and pick that one.
        const row = page.locator('.quick-input-list .monaco-list-row', { hasText: migration }).first();
        await row.waitFor({ timeout: 5000 });
        await row.click();
        await page.waitForSelector('.tab.active[data-resource-name="down.sql"]', { timeout: 5000 });
        // The breadcrumbs above the editor name the folder (the tab shows only "down.sql").
        return (await page.locator('.monaco-breadcrumbs', { hasText: migration }).count()) > 0;
      }, 30_000, 1000);
      const picked = await until('"prisma-down: Verify down.sql" in the Command Palette', async () => {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+Shift+P');
        await page.waitForSelector('.quick-input-widget input', { timeout: 5000 });
        await page.keyboard.type('prisma-down: Verify down.sql', { delay: 5 });
        const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Verify down.sql' }).first();
        await row.waitFor({ timeout: 5000 });
        return (await row.innerText()).replace(/\s+/g, ' ').trim();
      }, 30_000, 1000);
      await page.keyboard.press('Enter');
      log(`ran "${picked}" on ${file}`);
    };

    await verifyFromPalette('2_drop_email_key');
    const restored = '2_drop_email_key: down.sql restores the schema (verified on SQLite)';
    const verdict = await until(`the notification "${restored}"`, async () => (await toasts()).find((t) => t.includes(restored)), 45_000);
    log(`notification: ${verdict}`);
    await shot('3-verified');

    await verifyFromPalette('3_add_name');
    const broken = '3_add_name: down.sql does not restore the schema';
    log(`notification: ${await until(`the notification "${broken}…"`, async () => (await toasts()).find((t) => t.includes(broken)), 45_000)}`);
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel-container .viewpane-filter input, .panel .viewpane-filter input').first().fill('after down.sql');
    const row = await until('the verify difference in the Problems panel', async () => {
      const rows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
      return rows.find((r) => r.includes('prisma-down verify') && r.includes('"Extra" was not there before, is there after down.sql'));
    }, 30_000);
    log(`Problems panel: ${JSON.stringify(row.replace(/\s+/g, ' '))}`);
    await shot('4-verify-problem');
  } else {
    // E2E_CASE=changes: the migrations live in db/changes, named by the workspace setting
    // prismaDown.migrationsPath. Documents there reach the server (the document selector
    // follows the setting): the migration gets its code lens and its quick fix.
    const status = page.locator('.statusbar-item', { hasText: 'prisma-down' }).first();
    await until('the prisma-down status bar item to show a running server', async () =>
      (await status.locator('.codicon-check, .codicon-warning').count()) > 0, 60_000);
    log(`server running: status bar "${(await status.innerText()).trim()}"`);
    const relative = `${CHANGES}/${MIGRATION}/migration.sql`;
    const open = async () => until('the migration.sql editor', async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      await page.waitForSelector('.quick-input-widget input', { timeout: 5000 });
      await page.keyboard.type(relative, { delay: 5 });
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: MIGRATION }).first();
      await row.waitFor({ timeout: 5000 });
      await row.click();
      await page.waitForSelector('.tab.active[data-resource-name="migration.sql"]', { timeout: 5000 });
      return (await page.locator('.monaco-breadcrumbs', { hasText: MIGRATION }).count()) > 0;
    }, 30_000, 1000);
    await open();
    log(`opened ${relative}`);
    const lenses = async () => (await page.locator('.monaco-editor .codelens-decoration').allInnerTexts()).join(' | ');
    // The first editor may never ask for code lenses (the quirk of the blog case): reopen it.
    await until('the "down.sql missing" code lens', async () => {
      const deadline = Date.now() + 8_000;
      while (Date.now() < deadline) {
        if ((await lenses()).includes('down.sql missing')) return true;
        await page.waitForTimeout(250);
      }
      log('no "down.sql missing" code lens yet: reopening the editor');
      await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+W');
      await open();
      return undefined;
    }, 60_000, 500);
    log(`code lens: ${await lenses()}`);
    await shot('changes-1-missing');

    // The missing-down-sql diagnostic sits on the first statement: its line, by Ctrl+G.
    const sql = readFileSync(join(PROJECT, relative), 'utf8').split('\n');
    const statementLine = String(sql.findIndex((l) => /^\s*(ALTER|CREATE|DROP|INSERT|UPDATE|DELETE)\b/i.test(l)) + 1);
    const action = await until('the "Generate down.sql" quick fix', async () => {
      await page.keyboard.press('Escape');
      await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+G');
      await page.waitForSelector('.quick-input-widget input', { timeout: 5000 });
      await page.keyboard.type(statementLine);
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+.');
      await page.waitForSelector('.action-widget .monaco-list-row', { timeout: 5000 });
      const rows = page.locator('.action-widget .monaco-list-row', { hasText: 'Generate down.sql' });
      if ((await rows.count()) === 0) {
        log(`quick fix menu: ${JSON.stringify(await page.locator('.action-widget .monaco-list-row').allInnerTexts())}`);
        await page.keyboard.press('Escape');
        return undefined;
      }
      return rows.first();
    }, 30_000, 1000);
    await action.click();
    log('applied "Generate down.sql"');
    const downPath = join(PROJECT, CHANGES, MIGRATION, 'down.sql');
    const onDisk = () => (existsSync(downPath) ? readFileSync(downPath, 'utf8') : undefined);
    try {
      await until('down.sql on disk', () => onDisk() === EXPECTED, 10_000);
    } catch {
      await page.keyboard.press('Control+S');
      await until('down.sql on disk', () => onDisk() === EXPECTED, 10_000);
    }
    log(`${CHANGES}/${MIGRATION}/down.sql on disk equals the CLI's output (${EXPECTED.length} chars)`);
    await page.locator('.tab', { hasText: 'migration.sql' }).first().click();
    await until('the "down.sql restores the schema" code lens', async () => (await lenses()).includes('down.sql restores the schema'), 30_000);
    log(`code lens: ${await lenses()}`);
    await shot('changes-2-generated');
  }
} catch (e) {
  failed = true;
  console.error(`FAILED: ${e instanceof Error ? e.stack : String(e)}`);
  console.error(`--- browser console errors ---\n${(globalThis.consoleErrors ?? []).slice(-20).join('\n')}`);
  console.error(`--- code-server output (last 4000 chars) ---\n${serverLog.join('').slice(-4000)}`);
} finally {
  const final = page ? await shot(failed ? 'failure' : 'final').catch(() => undefined) : undefined;
  await browser?.close().catch(() => undefined);
  try {
    process.kill(-codeServer.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  if (final) {
    console.log(`screenshot: ${final}`);
  }
  process.exit(failed ? 1 : 0);
}
