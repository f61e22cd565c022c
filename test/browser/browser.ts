import { access } from 'node:fs/promises';
import { type Browser, chromium, type Page } from 'playwright-core';
import { perFile } from '../support/lifecycle.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/** Debian's Chromium; `TAGLANE_CHROMIUM` points elsewhere. */
export const CHROMIUM = process.env.TAGLANE_CHROMIUM ?? '/usr/bin/chromium';

/** Chromium without a sandbox (CI containers run as root), a GPU or any call home. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Raised before any test when the browser is not installed, so the run fails saying so. */
export class ChromiumMissingError extends Error {
  override readonly name = 'ChromiumMissingError';
}

/** A browser with a fresh profile, removed with it. */
export interface TestBrowser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Launches Chromium once for the file's tests (with a fresh user-data-dir) and closes it
 * after. Fails with {@link ChromiumMissingError} when `/usr/bin/chromium` is missing: the
 * browser tests must fail, not pass by skipping.
 */
export function browserPerFile(): { readonly current: TestBrowser } {
  return perFile(
    'the browser',
    async () => {
      await requireChromium();
      const profile = await makeTempDir('taglane-chromium-');
      const context = await chromium.launchPersistentContext(profile.dir, {
        executablePath: CHROMIUM,
        args: ARGS,
        viewport: { width: 1400, height: 900 },
      });
      return {
        newPage: () => context.newPage(),
        close: async () => {
          await context.close();
          await profile.cleanup();
        },
      };
    },
    (held: TestBrowser) => held.close(),
  );
}

/**
 * Launches Chromium once for the file's tests, for tests that need several browsers at once:
 * each `newContext()` is a browser of its own (cookies, storage, locale, User-Agent).
 */
export function chromiumPerFile(): { readonly current: Browser } {
  return perFile(
    'Chromium',
    async () => {
      await requireChromium();
      return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    },
    (browser: Browser) => browser.close(),
  );
}

async function requireChromium(): Promise<void> {
  try {
    await access(CHROMIUM);
  } catch {
    throw new ChromiumMissingError(
      `no Chromium at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set TAGLANE_CHROMIUM); the browser tests need a real browser`,
    );
  }
}
