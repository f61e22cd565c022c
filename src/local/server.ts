import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { batcherDepsFromEnv, createBatcherHandler } from '../../functions/batcher/handler.ts';
import { createIngestHandler, ingestDepsFromEnv } from '../../functions/ingest/handler.ts';
import { powertoolsSettingsFromEnv } from '../../functions/shared/powertools.ts';
import { MAX_DELAY_SECONDS, MAX_RETENTION_SECONDS } from '../batcher/backoff.ts';
import { destinationsFileOrDefault, loadDestinations } from '../destinations/index.ts';
import { loadRuleSet, type RuleSet } from '../rules/index.ts';
import { EnvSecretSource } from '../secrets/secrets.ts';
import { INGEST_ROUTES, trackerRoutes } from './api-gateway.ts';
import { startLocalAws } from './aws-local.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { startDebugger } from './debugger/index.ts';
import { SERVE_QUIET_MS } from './defaults.ts';
import { startHttpServer } from './http-server.ts';
import { type Inspector, startInspector } from './inspector.ts';
import { missingSecrets, withLocalSecrets } from './local-secrets.ts';
import { type BatchOutcome, QueuePoller } from './poller.ts';
import { watchRules } from './rule-watch.ts';
import type { RunningServer, StartServerOptions } from './server-types.ts';
import { terminalLog } from './terminal-log.ts';
import { WarningLedger } from './warning-ledger.ts';

export type { RunningServer, StartServerOptions } from './server-types.ts';

/**
 * Starts the whole pipeline on one machine: rules loaded (an invalid rule set throws
 * `RuleSetError` before anything starts), embedded SQS and DynamoDB, the real ingest and
 * batcher handlers, the poller between them and either a Matomo or the inspector.
 *
 * @example
 * const server = await startServer({ ...resolveServeConfig(flags), port: 0 });
 * await fetch(`${server.url}/health`);
 * await server.close();
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const print = options.print ?? (() => undefined);
  const rulesDir = resolve(options.rulesDir);
  const destinationsFile = destinationsFileOrDefault(options.destinationsFile);
  const destinations = await loadDestinations({ file: destinationsFile, environment: options.environment });
  // Loaded as given, so problems name files the way `taglane validate` does.
  const ruleSet = await loadRuleSet(options.rulesDir, { targets: destinations.catalog });
  const dataDir = resolve(options.dataDir);
  // Undone in reverse order on a failed start and on close.
  const cleanups: (() => Promise<void>)[] = [await lockDataDir(dataDir)];
  const stopAll = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const { env: secretsEnv, generated } = await withLocalSecrets(
      options.env ?? process.env,
      ruleSet,
      dataDir,
    );
    // The journal makes the queue durable: ingest's 202 comes after the message is on disk.
    const aws = await startLocalAws({
      ...options,
      // The poller moves spent messages itself (see its deadLetters); this is a backstop.
      maxReceiveCount: Math.min(2 * options.maxReceiveCount, 1000),
      dataDir,
      journal: join(dataDir, 'queue.journal'),
    });
    cleanups.push(() => aws.close());
    let matomoUrl = options.matomoUrl;
    let inspector: Inspector | undefined;
    const warnings = new WarningLedger();
    // The inspector stands in for MATOMO_URL: destinations with a URL of their own get theirs.
    if (matomoUrl === undefined && destinations.list.some((d) => d.url === undefined)) {
      // A Matomo in production always has a token (old `cdt` values need one); so does the inspector.
      secretsEnv.MATOMO_TOKEN ??= `inspector_${randomBytes(16).toString('hex')}`;
      const started = await startInspector({
        token: secretsEnv.MATOMO_TOKEN,
        print,
        warningsFor: (params) => warnings.warningsFor(params),
      });
      cleanups.push(() => started.close());
      inspector = started;
      matomoUrl = started.url;
    }
    const env: Record<string, string | undefined> = {
      ...secretsEnv,
      TAGLANE_RULES_DIR: rulesDir,
      TAGLANE_QUEUE_URL: aws.queueUrl,
      TAGLANE_DLQ_URL: aws.dlqUrl,
      TAGLANE_TABLE_NAME: aws.tableName,
      TAGLANE_REORDER_WINDOW_SECONDS: String(options.reorderWindowSeconds ?? 0),
      MATOMO_URL: matomoUrl,
      TAGLANE_DESTINATIONS_FILE: destinationsFile === undefined ? undefined : resolve(destinationsFile),
      TAGLANE_ENV: options.environment,
      ...(options.trackerFile === undefined ? {} : { TAGLANE_TRACKER_FILE: resolve(options.trackerFile) }),
      // Secrets come from this environment locally, never from Parameter Store or Secrets Manager.
      TAGLANE_SECRET_ARNS: undefined,
      TAGLANE_SECRET_PARAMETERS: undefined,
      // Retries as on AWS: doubling from the visibility timeout, for the queue's 14 days.
      TAGLANE_RETRY_BASE_SECONDS: String(Math.max(1, options.visibilityTimeoutSeconds)),
      TAGLANE_RETRY_MAX_SECONDS: String(options.retryMaxDelaySeconds ?? MAX_DELAY_SECONDS),
      TAGLANE_QUEUE_RETENTION_SECONDS: String(MAX_RETENTION_SECONDS),
    };
    const secrets = new EnvSecretSource(env);
    // Powertools reads process.env alone: the handlers are handed what `env` says instead.
    const powertools = powertoolsSettingsFromEnv(env);
    const queues = { client: aws.sqs, queueUrl: aws.queueUrl, dlqUrl: aws.dlqUrl };
    const debug = await startDebugger({
      ruleSet,
      env,
      queues,
      maxReceiveCount: options.maxReceiveCount,
      ...(options.debuggerMemoryBudget === undefined ? {} : { memoryBudget: options.debuggerMemoryBudget }),
    });
    cleanups.push(async () => debug.close());
    const ingestDeps = await ingestDepsFromEnv(env, { sqs: aws.sqs, secrets });
    // The debugger observes through the ports and handlers; the pipeline runs unchanged.
    const ingestWith = (rules: RuleSet) =>
      debug.ingest.wrapHandler(
        createIngestHandler(
          {
            ...ingestDeps,
            rules,
            // The inspector shows each request's warnings, which Matomo itself never receives.
            queue: debug.ingest.wrapQueue(inspector ? warnings.wrap(ingestDeps.queue) : ingestDeps.queue),
            logger: debug.ingest.wrapLogger(terminalLog('ingest', print)),
          },
          powertools,
        ),
      );
    let ingest = ingestWith(ingestDeps.rules);
    const watch = watchRules({
      dir: options.rulesDir,
      // Reloaded rules are checked against the same destinations as at start.
      load: (dir) => loadRuleSet(dir, { targets: destinations.catalog }),
      onLoaded: async (rules) => {
        ingest = ingestWith(rules);
        await debug.rulesLoaded(rules);
        print(`rules     reloaded from ${options.rulesDir}: ${describeRules(rules)}; new requests use them`);
      },
      onRefused: (problems) => {
        debug.rulesRefused(problems);
        for (const line of problems) print(`rules     ${line}`);
        print(`rules     change refused (${problems.length} problem(s)); the previous rules stay in force`);
      },
      onError: (error) => print(`rules     could not reload: ${errorText(error)}`),
    });
    cleanups.push(async () => watch.close());
    const batcher = debug.batcher.wrapHandler(
      createBatcherHandler(
        {
          ...debug.batcher.wrapDeps(
            await batcherDepsFromEnv(env, { sqs: aws.sqs, dynamodb: aws.dynamodb, secrets }),
          ),
          log: terminalLog('batcher', print),
        },
        powertools,
      ),
    );
    const poller = new QueuePoller({
      sqs: aws.sqs,
      queueUrl: aws.queueUrl,
      queueArn: aws.queueArn,
      region: 'us-east-1',
      handler: batcher,
      batchSize: options.batchSize,
      batchWindowMs: options.batchWindowMs,
      quietMs: SERVE_QUIET_MS,
      functionTimeoutMs: options.visibilityTimeoutSeconds * 1000,
      onBatch: (outcome) => reportBatch(outcome, print),
      onError: (error) => print(`poller: ${errorText(error)}`),
      deadLetters: { queueUrl: aws.dlqUrl, maxReceiveCount: options.maxReceiveCount },
    });
    const http = await startHttpServer({
      host: options.host,
      port: options.port,
      // Through a closure, so a reload of the rule files reaches the next request.
      handler: (event, context) => ingest(event, context),
      // The tracker file's own path is routed like /matomo.php, as the stack routes it.
      routes: [...INGEST_ROUTES, ...trackerRoutes(ingestDeps.tracker?.config.paths ?? [])],
      pages: debug.routes,
      ...(inspector ? { inspected: () => inspector.requests() } : {}),
      onError: (error) => print(`ingest handler failed: ${errorText(error)}`),
    });
    poller.start();
    let closing: Promise<number> | undefined;
    // Without the queue ingest would answer 503 to every event: stop taking them at all.
    const died = aws.died.then(async (death) => {
      closing ??= (async () => {
        debug.routes.closeStreams();
        await http.close();
        // No grace: its batches can only fail now, and their messages stay in the journal.
        await poller.stop(0);
        await stopAll();
        throw death;
      })();
      await closing.catch(() => undefined);
      return death;
    });
    return {
      url: http.url,
      ruleSet,
      generated,
      missingSecrets: missingSecrets(env, ruleSet),
      trackerPaths: ingestDeps.tracker?.config.paths ?? [],
      destinations: {
        file: destinationsFile,
        environment: options.environment,
        list: destinations.list.flatMap((d) => {
          const target = d.url ?? matomoUrl;
          if (target === undefined) return [];
          return [{ name: d.name, url: target, inspector: d.url === undefined && inspector !== undefined }];
        }),
      },
      matomoTokenMissing: !secretsEnv.MATOMO_TOKEN,
      sqs: { endpoint: aws.sqsEndpoint, queueUrl: aws.queueUrl, dlqUrl: aws.dlqUrl },
      replayed: aws.replayed,
      debugger: debug,
      died,
      inspected: () => inspector?.requests() ?? [],
      drain: (timeoutMs) => poller.drain(timeoutMs),
      close: () => {
        closing ??= (async () => {
          // An open event stream would hold the HTTP server's close.
          debug.routes.closeStreams();
          await http.close();
          const left = await poller.drain(options.drainTimeoutMs);
          await poller.stop(left > 0 ? 1000 : Number.POSITIVE_INFINITY);
          await stopAll();
          return left;
        })();
        return closing;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function reportBatch(outcome: BatchOutcome, print: (line: string) => void): void {
  if (outcome.error !== undefined) {
    print(`batcher failed on ${outcome.size} message(s), retrying later: ${errorText(outcome.error)}`);
  } else if (outcome.failed > 0) {
    print(`batcher: ${outcome.failed} of ${outcome.size} message(s) will be retried`);
  }
}

function describeRules(ruleSet: RuleSet): string {
  const sources = [...ruleSet.sources.values()];
  const rules = sources.reduce((sum, source) => sum + source.rules.length, 0);
  return `${sources.length} source(s) (${sources.map((s) => s.name).join(', ')}), ${rules} rule(s)`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
