import { fileURLToPath } from 'node:url';

/** The page's entry module, bundled on first request. */
const ENTRY = fileURLToPath(new URL('../../../web/debugger/main.tsx', import.meta.url));

let bundled: Promise<string> | undefined;

/**
 * The page's script: `web/debugger/` bundled by esbuild (the project's own bundler) the first
 * time the page is asked for, then kept. Bundling at serve time keeps `npm start` a single
 * step; nothing is fetched from a network, Preact comes from node_modules.
 */
export function pageScript(): Promise<string> {
  bundled ??= build().catch((error: unknown) => {
    bundled = undefined;
    throw error;
  });
  return bundled;
}

async function build(): Promise<string> {
  const { build: esbuild } = await import('esbuild');
  const result = await esbuild({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild produced no output for the debugger page');
  return file.text;
}

/** The HTML shell: no inline script, so a strict Content-Security-Policy holds. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Taglane debugger</title>
<link rel="stylesheet" href="/debugger/app.css">
</head>
<body>
<div id="app"><p class="boot">Loading the Taglane debugger…</p></div>
<script type="module" src="/debugger/app.js"></script>
</body>
</html>
`;

/** Headers for the page's own responses: nothing from elsewhere may load or run. */
export const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;
