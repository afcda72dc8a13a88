// Validates an AsyncAPI document with the official parser: prints every diagnostic and exits non-zero
// when any has severity "error" or the document cannot be parsed at all.
// Usage: node validate.mjs <asyncapi.json>
import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';

const SEVERITY = ['error', 'warning', 'info', 'hint'];

const file = process.argv[2];
if (!file) {
  console.error('usage: node validate.mjs <asyncapi.json>');
  process.exit(2);
}

const source = await readFile(file, 'utf8');
const parser = new Parser();
const { document, diagnostics } = await parser.parse(source, { source: file });

let errors = 0;
for (const diagnostic of diagnostics) {
  const severity = SEVERITY[diagnostic.severity] ?? String(diagnostic.severity);
  if (diagnostic.severity === 0) errors += 1;
  const path = diagnostic.path.length ? diagnostic.path.join('.') : '(document)';
  console.log(`${severity}: ${path}: ${diagnostic.message} [${diagnostic.code}]`);
}

if (document === undefined || errors > 0) {
  console.error(`${file}: ${errors} error(s); the document is not valid AsyncAPI`);
  process.exit(1);
}
const channels = document.channels().all().map((channel) => channel.address());
console.log(`${file}: valid AsyncAPI ${document.version()}; channels: ${channels.join(', ')}`);
