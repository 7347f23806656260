// npm pack / npm publish: fills this folder with what the package carries, from the
// repository alone (a clean clone needs no prepared .venv):
//   python/                  prisma-down and its pure-Python dependencies, pinned
//                            (../scripts/bundle-server.mjs, shared with the VS Code extension)
//   LICENSE                  the repository's
//   prisma-down.schema.json  the JSON schema of .prisma-down.json (client-vscode/schemas)
// and refuses to pack when package.json's version is not pyproject.toml's.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(pkg, '..');

const pyproject = readFileSync(join(repo, 'pyproject.toml'), 'utf8');
const project = pyproject.slice(pyproject.indexOf('[project]'));
const want = /^version\s*=\s*"([^"]+)"/m.exec(project)?.[1];
const have = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version;
if (!want || want !== have) {
  console.error(`prepack: npm/package.json says version ${have} but pyproject.toml says ${want}: make them the same`);
  process.exit(1);
}

const bundle = spawnSync(process.execPath, [join(repo, 'scripts', 'bundle-server.mjs'), '--target', join(pkg, 'python')], {
  stdio: 'inherit',
});
if (bundle.status !== 0) {
  process.exit(bundle.status ?? 1);
}
copyFileSync(join(repo, 'LICENSE'), join(pkg, 'LICENSE'));
copyFileSync(join(repo, 'client-vscode', 'schemas', 'prisma-down.schema.json'), join(pkg, 'prisma-down.schema.json'));
console.error(`prepack: prisma-down ${have} ready to pack`);
