#!/usr/bin/env node
/**
 * Makes a new sink plugin from plugin-template: `npm run new-plugin -- <name> [folder] [--package <npm name>]`.
 *
 * Copies the template's package.json, tsconfig.json, README.md and src/ into `plugins/sink-<name>/`
 * (or the folder given), and renames it: the manifest and `src/plugin-info.ts` get the new plugin
 * name and URI schemes (`<name>` for HTTPS, `<name>+http` for plain HTTP), identifiers `WebDav…`
 * become `<Name>…`, files `webdav-*.ts` become `<name>-*.ts`, and tsconfig paths are re-pointed so
 * that the copy builds where it lands. The result is still the WebDAV sink and passes the
 * conformance suite; replace its HTTP calls with your service's.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const templateDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(templateDir, '..');

/** What the template copy takes: everything a plugin needs to build, test and publish. */
const COPIED = ['package.json', 'tsconfig.json', 'README.md', 'src'];

function usage(message) {
  if (message) console.error(`new-plugin: ${message}`);
  console.error('usage: npm run new-plugin -- <name> [folder] [--package <npm package name>]');
  console.error('  <name>     lower-case letters, digits and single hyphens, e.g. acme-files');
  console.error('  folder     where to write it; default plugins/sink-<name>');
  process.exit(2);
}

function parseArgs(argv) {
  const positional = [];
  let packageName;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--package') packageName = argv[++i] ?? usage('--package needs a value');
    else if (argv[i] === '--help' || argv[i] === '-h') usage();
    else if (argv[i].startsWith('-')) usage(`unknown option ${argv[i]}`);
    else positional.push(argv[i]);
  }
  if (positional.length < 1 || positional.length > 2) usage(positional.length ? 'too many arguments' : 'the plugin name is missing');
  const [name, folder] = positional;
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > 40) {
    usage(`"${name}" is not a valid name: lower-case letters, digits and single hyphens, starting with a letter, at most 40 characters`);
  }
  if (name === 'template' || name === 'webdav') usage(`"${name}" is taken by the template itself`);
  // npm runs scripts from the package root; a folder the user typed is relative to where they were.
  const base = process.env.INIT_CWD ?? process.cwd();
  const dest = folder ? path.resolve(base, folder) : path.join(repoRoot, 'plugins', `sink-${name}`);
  return { name, dest, packageName: packageName ?? `@filing-sync/sink-${name}` };
}

const pascal = (name) => name.split('-').map((p) => p[0].toUpperCase() + p.slice(1)).join('');
const camel = (name) => pascal(name)[0].toLowerCase() + pascal(name).slice(1);
const upper = (name) => name.replace(/-/g, '_').toUpperCase();

/** Renames the template's identifiers and file references in TypeScript sources. */
function renameIdentifiers(text, name) {
  return text
    .replace(/WebDav/g, pascal(name))
    .replace(/webDav/g, camel(name))
    .replace(/WEBDAV_/g, `${upper(name)}_`)
    .replace(/\bwebdav-(?=[a-z-]+(\.js|\.ts)\b)/g, `${name}-`);
}

/** The guide is copied as written; a note says how its names map onto the copy. */
function readmeNote(name, packageName) {
  return (
    `> **${packageName}** was generated from plugin-template as plugin \`${name}\`. Where this guide names ` +
    `\`webdav-*.ts\` files and \`WebDav…\` identifiers, yours are \`${name}-*.ts\` and \`${pascal(name)}…\`; ` +
    `your schemes are \`${name}://\` (HTTPS) and \`${name}+http://\`.\n\n`
  );
}

function pluginInfo(text, name) {
  const set = (constant, value) => {
    const pattern = new RegExp(`(export const ${constant} = )'[^']*'`);
    if (!pattern.test(text)) throw new Error(`src/plugin-info.ts has no ${constant}; is the template intact?`);
    text = text.replace(pattern, `$1'${value}'`);
  };
  set('PLUGIN_NAME', name);
  set('SECURE_SCHEME', name);
  set('PLAIN_SCHEME', `${name}+http`);
  set('CREDENTIAL_RESOURCE', name);
  return `${text.trimEnd()}\n`;
}

function packageJson(text, name, packageName) {
  const pkg = JSON.parse(text);
  pkg.name = packageName;
  pkg.version = '0.1.0';
  pkg.description = `Sink plugin "${name}" for filing-sync (generated from plugin-template).`;
  pkg.filingSync = { ...pkg.filingSync, name, schemes: [name, `${name}+http`] };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** Re-points tsconfig paths from the template's folder to the new one; standalone outside the repo. */
async function tsconfig(text, dest) {
  const config = JSON.parse(text);
  const inRepo = !path.relative(repoRoot, dest).startsWith('..') && !path.isAbsolute(path.relative(repoRoot, dest));
  const move = (p) => path.relative(dest, path.resolve(templateDir, p)).split(path.sep).join('/');
  if (inRepo) {
    config.extends = move(config.extends);
    config.references = (config.references ?? []).map((r) => ({ ...r, path: move(r.path) }));
  } else {
    // Outside this repository there are no sibling projects: inline the base options and build
    // against the published @filing-sync packages instead of project references.
    const base = JSON.parse(await readFile(path.resolve(templateDir, config.extends), 'utf8'));
    delete config.extends;
    delete config.references;
    config.compilerOptions = { ...base.compilerOptions, ...config.compilerOptions };
  }
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Copies `from` (a file or a folder) to `to`, renaming as it goes; returns the files written. */
async function copyTree(from, to, name, packageName, dest) {
  if ((await stat(from)).isDirectory()) {
    let count = 0;
    for (const entry of await readdir(from)) count += await copyTree(path.join(from, entry), path.join(to, entry), name, packageName, dest);
    return count;
  }
  const base = path.basename(from);
  let text = await readFile(from, 'utf8');
  if (base === 'package.json') text = packageJson(text, name, packageName);
  else if (base === 'tsconfig.json') text = await tsconfig(text, dest);
  else if (base === 'plugin-info.ts') text = pluginInfo(renameIdentifiers(text, name), name);
  else if (base === 'README.md') text = readmeNote(name, packageName) + text;
  else if (base.endsWith('.ts')) text = renameIdentifiers(text, name);
  const target = path.join(path.dirname(to), base.replace(/^webdav-/, `${name}-`));
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, text);
  return 1;
}

const { name, dest, packageName } = parseArgs(process.argv.slice(2));
if (existsSync(dest) && (await readdir(dest)).length > 0) {
  console.error(`new-plugin: ${dest} exists and is not empty; choose another name or folder.`);
  process.exit(1);
}
let files = 0;
for (const entry of COPIED) files += await copyTree(path.join(templateDir, entry), path.join(dest, entry), name, packageName, dest);
const shown = path.relative(process.env.INIT_CWD ?? process.cwd(), dest) || '.';
console.log(`Created ${packageName} in ${shown} (${files} files): plugin "${name}", schemes ${name}:// and ${name}+http://.`);
console.log('Next:');
console.log('  1. npm install                      (links the new workspace package)');
console.log(`  2. npx tsc -b ${shown}`);
console.log(`  3. npx mocha --no-config --node-option=import=reflect-metadata --timeout 60000 '${shown}/dist/**/*.test.js'`);
console.log('  4. Replace the WebDAV calls in src/ with your service\'s; keep the conformance test green. See README.md.');
