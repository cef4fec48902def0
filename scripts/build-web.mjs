#!/usr/bin/env node
// Builds the dashboard's static files into dist/web/assets: one ES module bundle (the TypeScript in
// src/web/client plus uPlot) by esbuild, and the page shell and style sheets copied beside it.
// Everything the browser loads comes from the Signals server; nothing from a CDN. `npm install`
// runs this through `prepare`; `--out DIR` builds elsewhere (tests).
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--out');
const out = at > 0 ? process.argv[at + 1] : join(root, 'dist/web/assets');
const client = join(root, 'src/web/client');

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(client, 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync(join(client, 'index.html'), join(out, 'index.html'));
copyFileSync(join(client, 'style.css'), join(out, 'style.css'));
copyFileSync(join(root, 'node_modules/uplot/dist/uPlot.min.css'), join(out, 'uplot.css'));
