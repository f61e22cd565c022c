import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Destinations, DestinationsFileError, loadDestinationsSync } from '../src/destinations/index.ts';
import { formatProblem, type TargetCatalog } from '../src/rules/index.ts';

import type { TaglaneConfig } from './config.ts';

/** The destinations cannot be deployed: synth stops with every reason, nothing is deployed. */
export class DestinationsSynthError extends Error {
  override readonly name = 'DestinationsSynthError';
  /** One line per problem (`file:line:col path: message` for the file's own). */
  readonly lines: readonly string[];

  constructor(lines: readonly string[], options?: ErrorOptions) {
    super(`Invalid destinations, nothing deployed:\n${lines.join('\n')}`, options);
    this.lines = lines;
  }
}

/** The destinations of the stack's environment, and which of them the rules name. */
export interface StackDestinations {
  /** The file, as given (problems name it this way), if there is one. */
  readonly file: string | undefined;
  /** Its absolute path, for copying into the bundles. */
  readonly path: string | undefined;
  readonly destinations: Destinations;
  /** A catalog for compiling the rules that records every destination they name. */
  readonly catalog: TargetCatalog;
  /** Destinations the rules named while compiling with {@link StackDestinations.catalog}. */
  readonly used: ReadonlySet<string>;
}

/** `cdk.json`'s placeholder and documentation hosts: deploying one loses every request. */
const PLACEHOLDER_HOST = /(^|\.)example\.(com|org|net)$/;

/**
 * Loads `destinationsFile` (default: `destinations.yaml` in the project root, when present)
 * for the `env` setting, synchronously as constructs are built.
 *
 * @throws DestinationsSynthError for an invalid file or an unknown environment.
 */
export function stackDestinations(config: TaglaneConfig, root: string): StackDestinations {
  const given =
    config.destinationsFile ??
    (existsSync(resolve(root, 'destinations.yaml')) ? 'destinations.yaml' : undefined);
  const path = given === undefined ? undefined : resolve(root, given);
  // Named as given when run from the root (as `cdk` is), like the rule files.
  const file = path === undefined || given === undefined ? undefined : path === resolve(given) ? given : path;
  let destinations: Destinations;
  try {
    destinations = loadDestinationsSync({ file, environment: config.env });
  } catch (error) {
    if (error instanceof DestinationsFileError) {
      throw new DestinationsSynthError(error.problems.map(formatProblem), { cause: error });
    }
    throw error;
  }
  const used = new Set<string>();
  const catalog: TargetCatalog = {
    destinationProblem: (name) => {
      used.add(name);
      return destinations.catalog.destinationProblem(name);
    },
    siteId: (destination, site) => destinations.catalog.siteId(destination, site),
  };
  return { file, path, destinations, catalog, used };
}

/**
 * The Matomo URL of every destination the stack can send to: each declared one, and the
 * implicit `default` when the rules use it. Missing, plain-http or placeholder URLs
 * (`matomo.example.com` from cdk.json) stop synth: a deploy pointing there would accept
 * events and lose them all.
 *
 * Returns the URLs and, per token secret name, the destinations that use it.
 *
 * @throws DestinationsSynthError listing every destination whose URL cannot be deployed.
 */
export function deployPlan(stack: StackDestinations, matomoUrl: string | undefined): DeployPlan {
  const urls = new Map<string, string>();
  const problems: string[] = [];
  for (const d of stack.destinations.list) {
    // A file that does not declare `default` needs no matomoUrl unless a rule sends there.
    if (!d.declared && stack.file !== undefined && !stack.used.has(d.name)) continue;
    const url = d.url ?? matomoUrl;
    const from =
      d.url === undefined ? 'matomoUrl' : `${stack.file ?? 'destinations.yaml'} (destinations.${d.name}.url)`;
    if (url === undefined) {
      problems.push(`destination ${d.name}: no Matomo URL; deploy with -c matomoUrl=https://your-matomo`);
    } else if (!url.startsWith('https://')) {
      problems.push(
        `destination ${d.name}: ${url} from ${from} must be https:// (the token travels with it)`,
      );
    } else if (PLACEHOLDER_HOST.test(new URL(url).hostname)) {
      problems.push(
        `destination ${d.name}: ${url} from ${from} is a placeholder; ` +
          (d.url === undefined ? 'deploy with -c matomoUrl=https://your-matomo' : 'set the real URL'),
      );
    } else urls.set(d.name, url);
  }
  if (problems.length > 0) throw new DestinationsSynthError(problems);
  const tokenUsers = new Map<string, string[]>();
  for (const d of stack.destinations.list) {
    if (d.token !== undefined && urls.has(d.name))
      tokenUsers.set(d.token, [...(tokenUsers.get(d.token) ?? []), d.name]);
  }
  const takesMatomoUrl = stack.destinations.list.some((d) => d.url === undefined && urls.has(d.name));
  return { urls, tokenUsers, ...(takesMatomoUrl && matomoUrl !== undefined ? { matomoUrl } : {}) };
}

/** What the stack deploys for its destinations. */
export interface DeployPlan {
  /** Destination name -> its https Matomo URL. */
  readonly urls: ReadonlyMap<string, string>;
  /** Token secret NAME -> the destinations using it: one Secrets Manager secret each. */
  readonly tokenUsers: ReadonlyMap<string, readonly string[]>;
  /** MATOMO_URL for the batcher, when a deployed destination takes it. */
  readonly matomoUrl?: string;
}
