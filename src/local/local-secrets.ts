import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuleSet } from '../rules/index.ts';
import { DATA_DIR_MODE } from './data-dir-lock.ts';

/** Secret name of the key that HMACs visitor keys before they are stored. */
export const VISITOR_HMAC_KEY = 'TAGLANE_VISITOR_HMAC_KEY';

/** Secrets the local runtime made up (and keeps in the data dir), so the banner can show how to call it. */
export interface GeneratedSecrets {
  /** API keys used because their secret was unset, kept in the data directory: name -> value. */
  readonly apiKeys: ReadonlyMap<string, string>;
  /** Whether the visitor-key secret came from the data directory rather than the environment. */
  readonly visitorKeyFromDataDir: boolean;
}

/**
 * Fills the secrets a newcomer cannot be expected to set, in a copy of `env`:
 * - the visitor-key HMAC secret, kept in `dataDir` so visitor ids stay stable across restarts
 *   (a new key would give every known person a new visitor id);
 * - API keys of `api-key` sources, random once and then kept in `dataDir` too, so a key
 *   copied from the banner (or exported as `TAGLANE_API_KEY`) still works after a restart.
 * Webhook signing secrets are never invented: they must match what the vendor signs with.
 */
export async function withLocalSecrets(
  env: Readonly<Record<string, string | undefined>>,
  ruleSet: RuleSet,
  dataDir: string,
): Promise<{ env: Record<string, string | undefined>; generated: GeneratedSecrets }> {
  const out: Record<string, string | undefined> = { ...env };
  let visitorKeyFromDataDir = false;
  if (!isSet(out[VISITOR_HMAC_KEY])) {
    out[VISITOR_HMAC_KEY] = await persistentKey(dataDir, 'visitor-hmac-key', () =>
      randomBytes(32).toString('hex'),
    );
    visitorKeyFromDataDir = true;
  }
  const apiKeys = new Map<string, string>();
  for (const source of ruleSet.sources.values()) {
    // Keys the sender presents can be made up for a local session; signing secrets cannot.
    if (source.auth.scheme !== 'api-key' && source.auth.scheme !== 'segment') continue;
    const [first] = source.auth.secrets;
    // One configured key is enough for the source to be reachable.
    if (first === undefined || source.auth.secrets.some((name) => isSet(out[name]))) continue;
    const value =
      apiKeys.get(first) ??
      (await persistentKey(dataDir, apiKeyFile(first), () => `tl_local_${randomBytes(12).toString('hex')}`));
    out[first] = value;
    apiKeys.set(first, value);
  }
  return { env: out, generated: { apiKeys, visitorKeyFromDataDir } };
}

/** Secret names the rule files use that are not set in `env`. */
export function missingSecrets(
  env: Readonly<Record<string, string | undefined>>,
  ruleSet: RuleSet,
): string[] {
  const missing = new Set<string>();
  for (const source of ruleSet.sources.values()) {
    const names = 'secrets' in source.auth ? source.auth.secrets : [source.auth.secret];
    if (!names.some((name) => isSet(env[name]))) for (const name of names) missing.add(name);
  }
  return [...missing].sort();
}

/** The file in the data directory that keeps the local value of API key secret `name`. */
export function apiKeyFile(name: string): string {
  return `api-key.${name}`;
}

/** The value kept in `dataDir/name`, made by `create` and kept there (mode 600) the first time. */
async function persistentKey(dataDir: string, name: string, create: () => string): Promise<string> {
  const file = join(dataDir, name);
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored !== '') return stored;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  await mkdir(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const key = create();
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
