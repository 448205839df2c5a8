// The console's "build": there is no bundler (the collector serves
// static/ as it is, compiled into its binary), so building means checking:
// both catalogues have the same keys, every t('key') in the code exists,
// every JavaScript module parses, and no HTML file has inline script or
// style (the CSP forbids them). Exits 1 naming each problem.
import {readFileSync, readdirSync, statSync} from 'node:fs';
import {join, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';
import {spawnSync} from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), 'static');
const problems = [];
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path); else files.push(path);
  }
})(root);

const ja = JSON.parse(readFileSync(join(root, 'i18n/ja.json'), 'utf8'));
const en = JSON.parse(readFileSync(join(root, 'i18n/en.json'), 'utf8'));
for (const key of Object.keys(ja)) if (!(key in en)) problems.push(`en.json lacks ${key}`);
for (const key of Object.keys(en)) if (!(key in ja)) problems.push(`ja.json lacks ${key}`);
for (const [lang, texts] of [['ja', ja], ['en', en]]) {
  for (const [key, text] of Object.entries(texts)) {
    if (typeof text !== 'string' || !text) problems.push(`${lang}.json: ${key} is empty`);
  }
}

let used = 0;
for (const file of files.filter((f) => f.endsWith('.js'))) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/\bt\('([a-z_]+\.[a-zA-Z0-9_.]+)'/g)) {
    used++;
    if (!(m[1] in en)) problems.push(`${file}: unknown key ${m[1]}`);
  }
  if (/\.innerHTML\s*=|insertAdjacentHTML|document\.write/.test(text)) {
    problems.push(`${file}: builds HTML from strings (use h() from dom.js)`);
  }
  const parsed = spawnSync(process.execPath, ['--check', file], {encoding: 'utf8'});
  if (parsed.status !== 0) problems.push(`${file}: ${parsed.stderr.trim()}`);
}
for (const file of files.filter((f) => f.endsWith('.html'))) {
  const text = readFileSync(file, 'utf8');
  if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(text)) problems.push(`${file}: inline <script>`);
  if (/<style|\sstyle=|\son[a-z]+=/i.test(text)) problems.push(`${file}: inline style or handler`);
}

if (problems.length) {
  for (const p of problems) console.error(`check: ${p}`);
  process.exit(1);
}
console.log(`check: ${files.length} files, ${Object.keys(en).length} catalogue keys in ja and en, ` +
  `${used} uses in code: clean`);
