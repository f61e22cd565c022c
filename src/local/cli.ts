import { type Command, Option } from 'commander';
import { SERVE_BATCH_DEFAULTS } from './defaults.ts';
import { runServe } from './run.ts';

const ENVIRONMENT_HELP = `
Secrets and settings read from the environment:
  MATOMO_TOKEN               token_auth sent with each bulk (needs write access to the sites)
  TAGLANE_API_KEY            API key of the app source; unset: a random one, kept in the data dir
  STRIPE_WEBHOOK_SECRET, GITHUB_WEBHOOK_SECRET, SHOPIFY_WEBHOOK_SECRET
                             webhook signing secrets named by the rule files
  TAGLANE_VISITOR_HMAC_KEY   key for hashing visitor keys; unset: one kept in the data dir
  TAGLANE_MAX_EVENTS, TAGLANE_MAX_BODY_BYTES, TAGLANE_BULK_MAX_REQUESTS, TAGLANE_BULK_MAX_BYTES,
  TAGLANE_MATOMO_TIMEOUT_MS, TAGLANE_DELIVERED_TTL_DAYS
                             handler limits, as on AWS (docs/architecture.md)

Without --matomo-url the built-in inspector answers like Matomo, prints every delivered
request and serves them as JSON at GET /inspect.
The debugger page is at / on the same port: every request live with its rules and delivery,
dead letters to redrive, a playground. Rule files are watched and reloaded when valid.
Ctrl-C (SIGINT) or SIGTERM stops accepting events, delivers what is queued and exits 0;
a second signal exits at once. If the embedded SQS and DynamoDB thread dies, serve stops
accepting events, says so and exits 1; the next start on the data dir delivers what it took.`;

/**
 * Registers `taglane serve`: the whole pipeline (ingest, queue, batcher, visitor store and a
 * Matomo or the built-in inspector) on one machine. Every flag can also be set through the
 * environment variable named in `taglane serve --help`.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the whole pipeline locally: HTTP API, queue, batcher, visitor store, Matomo or inspector',
    )
    .addOption(option('--port <port>', 'HTTP port; 0 picks a free one', 'TAGLANE_PORT', '8787'))
    .addOption(option('--host <host>', 'HTTP interface', 'TAGLANE_HOST', '127.0.0.1'))
    .addOption(option('--rules <dir>', 'rule set directory', 'TAGLANE_RULES_DIR', 'rules'))
    .addOption(option('--data-dir <dir>', 'where visitor ids are kept', 'TAGLANE_DATA_DIR', '.taglane'))
    .addOption(option('--matomo-url <url>', 'Matomo base URL; unset: the built-in inspector', 'MATOMO_URL'))
    .addOption(
      option(
        '--destinations <file>',
        'destinations.yaml; unset: ./destinations.yaml if present',
        'TAGLANE_DESTINATIONS_FILE',
      ),
    )
    .addOption(
      option('--env <name>', 'environment of destinations.yaml (site ids, URLs, tokens)', 'TAGLANE_ENV'),
    )
    .addOption(
      option(
        '--tracker-file <file>',
        'tracker file: serves /matomo.php and its path for matomo.js (docs/browser.md)',
        'TAGLANE_TRACKER_FILE',
      ),
    )
    .addOption(
      option(
        '--batch-size <n>',
        'messages per batcher invocation',
        'TAGLANE_BATCH_SIZE',
        SERVE_BATCH_DEFAULTS.batchSize,
      ),
    )
    .addOption(
      option(
        '--batch-window <seconds>',
        'how long to gather a batch at most (it ends once no message came for 0.1 s)',
        'TAGLANE_BATCH_WINDOW',
        SERVE_BATCH_DEFAULTS.batchWindow,
      ),
    )
    .addOption(
      option(
        '--reorder-window <seconds>',
        "hold each request this long after its event time, so a person's late events go first",
        'TAGLANE_REORDER_WINDOW',
        '0',
      ),
    )
    .addOption(
      option(
        '--visibility-timeout <seconds>',
        'before a failed message is first retried',
        'TAGLANE_VISIBILITY_TIMEOUT',
        '30',
      ),
    )
    .addOption(
      option(
        '--retry-max-delay <seconds>',
        'longest wait between retries (each failure doubles it)',
        'TAGLANE_RETRY_MAX_DELAY',
        '43200',
      ),
    )
    .addOption(
      option(
        '--max-receive-count <n>',
        "receives before SQS dead-letters (a safety net above a 14-day outage's)",
        'TAGLANE_MAX_RECEIVE_COUNT',
        '100',
      ),
    )
    .addOption(
      option(
        '--drain-timeout <seconds>',
        'how long shutdown waits for the queue',
        'TAGLANE_DRAIN_TIMEOUT',
        '60',
      ),
    )
    .addHelpText('after', ENVIRONMENT_HELP)
    .action(async (flags: Record<string, unknown>, command: Command) => {
      // An empty variable (MATOMO_URL=) means unset, as in a shell `export MATOMO_URL=`.
      const given = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== ''));
      await runServe(given, command);
    });
}

function option(flags: string, description: string, env: string, fallback?: string): Option {
  const opt = new Option(flags, description).env(env);
  return fallback === undefined ? opt : opt.default(fallback);
}
