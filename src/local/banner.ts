import { relative } from 'node:path';
import type { AuthConfig, RuleSet } from '../rules/index.ts';
import type { ServeConfig } from './config.ts';
import { apiKeyFile, type GeneratedSecrets } from './local-secrets.ts';

/** What the start-up banner shows. */
export interface BannerInput {
  readonly url: string;
  readonly config: ServeConfig;
  readonly ruleSet: RuleSet;
  readonly generated: GeneratedSecrets;
  /** Secret names used by rule files but not set: ingest answers 500 `misconfigured` for them. */
  readonly missingSecrets: readonly string[];
  /** A real Matomo without MATOMO_TOKEN: warned about, as old events will be dead-lettered. */
  readonly matomoTokenMissing?: boolean;
  /** The embedded SQS; printed as a `taglane redrive` command that reaches it. */
  readonly sqs: { readonly endpoint: string; readonly queueUrl: string; readonly dlqUrl: string };
  /** Messages a previous run left queued, replayed from the journal. */
  readonly replayed: number;
  /** The destinations file in use, if any: each destination is listed with its Matomo. */
  readonly destinations?: ServedDestinations;
  /** The browser tracker's paths, when a tracker file is given. */
  readonly trackerPaths?: readonly string[];
}

/** Where `taglane serve` sends each destination's requests. */
export interface ServedDestinations {
  readonly file: string | undefined;
  readonly environment: string | undefined;
  /** Name and Matomo base URL; `inspector` when the built-in inspector stands in. */
  readonly list: readonly { readonly name: string; readonly url: string; readonly inspector: boolean }[];
}

/** Printed when a real Matomo is used without a token. */
export const MISSING_TOKEN =
  '  ! MATOMO_TOKEN is not set: Matomo refuses a cdt 24 hours or more in the past without it, so such events are ' +
  'dead-lettered (old-cdt-without-token), and requests with cip or location are counted invalid';

/** A first event the shipped `app` rules turn into a page view. */
const FIRST_EVENT = {
  type: 'page_view',
  anonymousId: 'newcomer-1',
  properties: { url: 'https://www.example.com/hello', title: 'Hello Taglane' },
};

/**
 * The start-up text: where Taglane listens, each rule file with its route and auth scheme,
 * where requests go, and a copy-paste `curl` for a first event. A secret the user set is
 * referred to by its variable name, never printed; only keys made up locally (and kept in the data dir) are.
 */
export function formatBanner(input: BannerInput): string {
  const { url, config, ruleSet, generated } = input;
  const lines = [
    `Taglane is listening on ${url}`,
    `Debugger:  ${url}/ (open it in a browser: every request live, its rules and its delivery)`,
    '',
    `Rules (${config.rulesDir}):`,
  ];
  const sources = [...ruleSet.sources.values()].sort((a, b) => a.name.localeCompare(b.name));
  // Columns as wide as their longest entry (a source named lemonsqueezy, say), at least as before.
  const routes = sources.map((s) => routeOf(s.auth.scheme, s.name));
  const nameWidth = Math.max(10, ...sources.map((s) => s.name.length));
  const routeWidth = Math.max(30, ...routes.map((r) => r.length));
  for (const [i, s] of sources.entries()) {
    const rules = `${s.rules.length} rule${s.rules.length === 1 ? '' : 's'}`;
    lines.push(
      `  ${s.name.padEnd(nameWidth)} ${(routes[i] ?? '').padEnd(routeWidth)} ${describeAuth(s.auth).padEnd(40)} ${rules.padEnd(8)} ${display(s.file)}`,
    );
  }
  if (sources.length === 0) lines.push('  (no rule files: every event will be answered 404)');
  for (const name of input.missingSecrets)
    lines.push(`  ! ${name} is not set: requests needing it fail with 500 until it is set`);
  if ((input.trackerPaths ?? []).length > 0) {
    const paths = (input.trackerPaths ?? []).map((p) => `${url}${p}`).join(', ');
    lines.push(`  Browser tracker: ${paths} (point matomo.js's setTrackerUrl here)`);
  }
  lines.push('');
  const window = `${config.batchWindowMs / 1000} s`;
  lines.push(
    `Queue:     in-process SQS, batches of ${config.batchSize} within ${window}, retried after ${config.visibilityTimeoutSeconds} s doubling up to ${config.retryMaxDelaySeconds ?? 43_200} s for 14 days`,
  );
  if ((config.reorderWindowSeconds ?? 0) > 0)
    lines.push(
      `           each request held until ${config.reorderWindowSeconds} s after its event time (reorder window)`,
    );
  const journal = `${display(config.dataDir)}/queue.journal`;
  lines.push(
    `           journaled to ${journal} before a request is accepted${input.replayed > 0 ? `; ${input.replayed} message(s) from the last run queued again` : ''}`,
  );
  lines.push(`Visitors:  in-process DynamoDB in ${display(config.dataDir)}/ (visitor ids survive restarts)`);
  const served = input.destinations;
  if (served?.file !== undefined) {
    const env = served.environment === undefined ? '' : `, environment ${served.environment}`;
    lines.push(`Matomo:    destinations from ${display(served.file)}${env}:`);
    const width = Math.max(...served.list.map((d) => d.name.length));
    for (const d of served.list) {
      const where = d.inspector ? `the inspector (${url}/inspect)` : `${d.url}/matomo.php`;
      lines.push(`             ${d.name.padEnd(width)}  ${where}`);
    }
  } else {
    lines.push(
      config.matomoUrl === undefined
        ? `Matomo:    none set (MATOMO_URL); the inspector prints each request here and at ${url}/inspect`
        : `Matomo:    ${config.matomoUrl}/matomo.php`,
    );
  }
  if (config.matomoUrl !== undefined && input.matomoTokenMissing) lines.push(MISSING_TOKEN);
  for (const [name, value] of generated.apiKeys)
    lines.push(
      `API key:   ${name} was not set; using ${value}, kept in ${display(config.dataDir)}/${apiKeyFile(name)} for the next starts`,
    );
  lines.push(
    `Redrive:   taglane redrive --endpoint ${input.sqs.endpoint} --queue-url ${input.sqs.queueUrl} --dlq-url ${input.sqs.dlqUrl}`,
    '',
    ...firstEvent(input),
    '',
    'Ctrl-C stops accepting events, delivers what is queued and exits.',
  );
  return `${lines.join('\n')}\n`;
}

function firstEvent(input: BannerInput): string[] {
  const app = [...input.ruleSet.sources.values()].find((s) => s.auth.scheme === 'api-key');
  if (app?.auth.scheme !== 'api-key') return ['Check it is up:', `  curl -sS ${input.url}/health`];
  const [name = 'TAGLANE_API_KEY'] = app.auth.secrets;
  const key = input.generated.apiKeys.get(name) ?? `$${name}`;
  const body = app.name === 'app' ? FIRST_EVENT : { type: 'hello' };
  return [
    'Send a first event:',
    `  curl -sS -X POST '${input.url}/events?source=${app.name}' \\`,
    `    -H "x-api-key: ${key}" -H 'content-type: application/json' \\`,
    `    -d '${JSON.stringify(body)}'`,
    ...(input.config.matomoUrl === undefined
      ? ['then see what Matomo would receive:', `  curl -sS ${input.url}/inspect`]
      : []),
  ];
}

function routeOf(scheme: AuthConfig['scheme'], name: string): string {
  if (scheme === 'api-key') return `POST /events?source=${name}`;
  return scheme === 'segment' ? 'POST /v1/{call}' : `POST /webhooks/${name}`;
}

function describeAuth(auth: AuthConfig): string {
  return 'secrets' in auth
    ? `${auth.scheme} (${auth.secrets.join(', ')})`
    : `${auth.scheme} (${auth.secret})`;
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}
