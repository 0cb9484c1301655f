#!/usr/bin/env node
// The `cutover` command. The TypeScript sources are compiled to dist/ by `npm install` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
const entry = new URL('../dist/engine/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('cutover is not built yet: run `npm install` (or `npm run build`) in the project folder first.');
  process.exit(1);
}
await import(entry.href);
