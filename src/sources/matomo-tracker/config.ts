import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { RuleProblem } from '../../rules/index.ts';
import { parseYamlSource, type YamlSource } from '../../rules/yaml-source.ts';
import { TrackerConfigError } from './errors.ts';

/** What a site does with requests that carry no `consent=1` (the tracker's consent API). */
export type ConsentMode = 'off' | 'drop' | 'strip';

/** One site (`idsite`) allowed through the first-party endpoint. */
export interface TrackerSite {
  /** Named Matomo destination the site's requests go to. */
  readonly destination: string;
  /** `off`: no gating; `drop`: requests without consent are not queued; `strip`: queued without ids. */
  readonly consent: ConsentMode;
  /** Bytes of the address zeroed before anything is stored or sent (Matomo's IP anonymisation, 0–4). */
  readonly anonymiseIp: number;
  /** Only these parameters pass (a trailing `*` matches a prefix); undefined: all. */
  readonly allow?: readonly string[] | undefined;
  /** These parameters never pass (a trailing `*` matches a prefix). */
  readonly deny: readonly string[];
}

/** The path Matomo's trackers use by default, always served when the endpoint is on. */
export const MATOMO_PATH = '/matomo.php';

/** The validated tracker file (docs/browser.md). */
export interface TrackerConfig {
  /** Where the endpoint answers: `/matomo.php` and the file's `path`, if it gives one. */
  readonly paths: readonly string[];
  readonly sites: ReadonlyMap<string, TrackerSite>;
  /** Addresses or CIDR ranges whose `X-Forwarded-For` is believed. */
  readonly trustedProxies: readonly string[];
  readonly maxBodyBytes: number;
  readonly maxRequests: number;
  /** Tracking requests one client address may send per window. */
  readonly rateLimit: { readonly requests: number; readonly seconds: number };
}

const ParamList = z.array(z.string().regex(/^[A-Za-z0-9_[\]]+\*?$/, 'expected a parameter name'));

const TrustedProxy = z.string().refine((text) => {
  const [address, bits, extra] = text.split('/');
  if (extra !== undefined || address === undefined || isIP(address) === 0) return false;
  if (bits === undefined) return true;
  const max = isIP(address) === 4 ? 32 : 128;
  return /^\d+$/.test(bits) && Number(bits) <= max;
}, 'expected an IP address or CIDR range');

const Site = z
  .strictObject({
    destination: z.string().min(1).default('default'),
    consent: z.enum(['off', 'drop', 'strip']).default('off'),
    anonymiseIp: z.number().int().min(0).max(4).default(2),
    allow: ParamList.optional(),
    deny: ParamList.default([]),
  })
  .refine((s) => s.allow === undefined || s.deny.length === 0, {
    message: 'give allow or deny, not both',
  });

/** Paths the HTTP API already uses (or the debugger, locally): a tracker path cannot be one. */
const RESERVED = /^\/(events|health|inspect|webhooks|v1|debugger|matomo\.php)(\/|$)/;

const TrackerPath = z
  .string()
  .regex(
    /^(\/[A-Za-z0-9._~-]+)+$/,
    'expected an absolute path of plain segments such as /t/collect (no trailing slash, query or {param})',
  )
  .max(200)
  .refine((path) => !path.split('/').some((s) => s === '.' || s === '..'), 'a path has no . or .. segments')
  .refine((path) => !RESERVED.test(path), 'this path is taken by another route of the HTTP API');

const TrackerFileSchema = z.strictObject({
  path: TrackerPath.optional(),
  sites: z.record(z.string().regex(/^[1-9][0-9]*$/, 'site keys are Matomo idsite numbers'), Site),
  trustedProxies: z.array(TrustedProxy).default([]),
  maxBodyBytes: z.number().int().min(1024).max(1_048_576).default(65_536),
  maxRequests: z.number().int().min(1).max(500).default(100),
  rateLimit: z
    .strictObject({ requests: z.number().int().min(1), seconds: z.number().int().min(1).max(3600) })
    .default({ requests: 300, seconds: 60 }),
});

/**
 * Validates a tracker file's text; with `destinations`, each site's destination must be one.
 *
 * @throws {TrackerConfigError} with every problem at its file, line and column.
 */
export function parseTrackerConfig(
  file: string,
  text: string,
  destinations?: ReadonlySet<string>,
): TrackerConfig {
  const src = parseYamlSource(file, text);
  if (src.syntaxProblems.length > 0) throw new TrackerConfigError(src.syntaxProblems);
  const parsed = TrackerFileSchema.safeParse(src.data ?? {});
  if (!parsed.success) throw new TrackerConfigError(problems(src, parsed.error.issues));
  const { sites, path, ...rest } = parsed.data;
  const unknown = Object.entries(sites).filter(([, s]) => destinations && !destinations.has(s.destination));
  if (unknown.length > 0) {
    const known = [...(destinations ?? [])].join(', ');
    throw new TrackerConfigError(
      unknown.map(([id, s]) =>
        src.problem(
          ['sites', id, 'destination'],
          `unknown destination "${s.destination}" (declared: ${known})`,
        ),
      ),
    );
  }
  const paths = path === undefined ? [MATOMO_PATH] : [MATOMO_PATH, path];
  return { ...rest, paths, sites: new Map(Object.entries(sites)) };
}

/** Reads and validates a tracker file; an unreadable file is one problem at 1:1. */
export async function loadTrackerConfig(
  file: string,
  destinations?: ReadonlySet<string>,
): Promise<TrackerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    const message = `cannot read the tracker file (${reason})`;
    throw new TrackerConfigError([{ file, line: 1, column: 1, path: '', message }]);
  }
  return parseTrackerConfig(file, text, destinations);
}

function problems(src: YamlSource, issues: readonly z.core.$ZodIssue[]): RuleProblem[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) =>
        src.problem([...issue.path, key], `unknown key "${key}"`, { atKey: true }),
      );
    }
    const atKey = issue.code === 'invalid_key';
    const message = atKey ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return [src.problem(issue.path, message, { atKey })];
  });
}
