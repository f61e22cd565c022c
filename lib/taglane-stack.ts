import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Stage } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { parseTrackerConfig, type TrackerConfig } from '../src/sources/matomo-tracker/index.ts';
import type { TaglaneConfig } from './config.ts';
import { deployPlan, stackDestinations } from './destinations.ts';
import { buildFrontDoor } from './front-door.ts';
import type { TaglaneFunctionUrl } from './function-url.ts';
import type { TaglaneHttpApi } from './http-api.ts';
import { TaglaneMonitoring } from './monitoring.ts';
import { BUNDLED_PREPARED_INGEST, preparedIngestHooks, writePreparedIngest } from './prepared-ingest.ts';
import { TaglaneQueues } from './queues.ts';
import { checkAndPrepareRuleSet, secretNamesOf } from './rule-set-check.ts';
import { TaglaneSecrets } from './secrets.ts';
import { TaglaneFunction } from './taglane-function.ts';

/** Where destinations.yaml lives inside the batcher's bundle. */
const BUNDLED_DESTINATIONS = '/var/task/destinations.yaml';

/** Properties of {@link TaglaneStack}. */
export interface TaglaneStackProps extends StackProps {
  /** Validated settings, usually from `configFromContext`. */
  readonly config: TaglaneConfig;
  /** Repository root: handler entries, `package-lock.json` and relative `rulesDir` resolve here. @default the directory above `lib/` */
  readonly projectRoot?: string;
}

/**
 * The whole pipeline in one stack: HTTP API -> ingest -> SQS (+ DLQ) -> batcher -> Matomo,
 * the visitor table, the secrets, alarms and a dashboard.
 *
 * The rule set is compiled while the stack is built, so an invalid rule file stops `cdk synth`
 * with `file:line:col path: message` lines before anything is bundled or deployed.
 */
export class TaglaneStack extends Stack {
  public readonly ingest: TaglaneFunction;
  public readonly batcher: TaglaneFunction;
  public readonly queues: TaglaneQueues;
  public readonly table: Table;
  public readonly secrets: TaglaneSecrets;
  /** The front door with `frontDoor=http-api` (the default). */
  public readonly httpApi: TaglaneHttpApi | undefined;
  /** The front door with `frontDoor=function-url`. */
  public readonly functionUrl: TaglaneFunctionUrl | undefined;
  public readonly monitoring: TaglaneMonitoring;
  /** The ingest configuration prepared at synth (rules, destinations, tracker), shipped in its bundle. */
  public readonly preparedIngestFile: string;

  constructor(scope: Construct, id: string, props: TaglaneStackProps) {
    super(scope, id, { description: 'Taglane: server-side tag manager for Matomo', ...props });
    const { config } = props;
    const root = props.projectRoot ?? resolve(dirname(fileURLToPath(import.meta.url)), '..');
    const rulesDir = resolve(root, config.rulesDir);
    // Run from the repository root (as `cdk` is), problems name `rules/x.yaml` exactly like
    // `taglane validate`; from elsewhere the absolute path is the unambiguous name.
    const destinations = stackDestinations(config, root);
    const { ruleSet, prepared } = checkAndPrepareRuleSet(
      rulesDir === resolve(config.rulesDir) ? config.rulesDir : rulesDir,
      { targets: destinations.catalog },
    );
    const logRetention = config.logRetentionDays as RetentionDays;
    // A placeholder or missing Matomo URL stops synth: such a deploy would lose every request.
    const plan = deployPlan(destinations, config.matomoUrl);
    const bundledDestinations: Record<string, string> = {
      ...(destinations.path === undefined ? {} : { TAGLANE_DESTINATIONS_FILE: BUNDLED_DESTINATIONS }),
      ...(config.env === undefined ? {} : { TAGLANE_ENV: config.env }),
    };
    const copyDestinations = (output: string): string[] =>
      destinations.path === undefined
        ? []
        : [`cp ${shellQuote(destinations.path)} ${shellQuote(join(output, 'destinations.yaml'))}`];
    const tracker = checkTrackerFile(config.trackerFile, root, destinations.destinations);
    // Ingest gets all of it checked and prepared as one JSON file: no YAML or schema work at its
    // cold start. The batcher reads destinations.yaml itself.
    this.preparedIngestFile = writePreparedIngest(
      { rules: prepared, destinations, environment: config.env, tracker },
      Stage.of(this)?.outdir,
    );
    const dataPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.secrets = new TaglaneSecrets(this, 'Secrets', {
      parameterPrefix: `/${config.stackName}/`,
      ingestNames: secretNamesOf(ruleSet),
      destinationTokens: plan.tokenUsers,
      matomoTokenSecretArn: config.matomoTokenSecretArn,
      webhookSecretsArn: config.webhookSecretsArn,
      visitorKeySecretArn: config.visitorKeySecretArn,
    });
    this.queues = new TaglaneQueues(this, 'Queues', {
      mode: config.queueMode,
      maxReceiveCount: config.maxReceiveCount,
      consumerTimeoutSeconds: config.batcherTimeoutSeconds,
      batchWindowSeconds: config.batchWindowSeconds,
    });
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: dataPolicy,
    });

    this.ingest = new TaglaneFunction(this, 'Ingest', {
      // The deployed entry: it loads the configuration prepared above (no YAML, no zod at init).
      entry: join(root, 'functions/ingest/lambda.ts'),
      projectRoot: root,
      serviceName: 'ingest',
      timeoutSeconds: config.ingestTimeoutSeconds,
      memoryMb: config.ingestMemoryMb,
      logRetention,
      environment: {
        TAGLANE_PREPARED_FILE: BUNDLED_PREPARED_INGEST,
        TAGLANE_QUEUE_URL: this.queues.queue.queueUrl,
        TAGLANE_QUEUE_FIFO: String(this.queues.fifo),
        TAGLANE_REORDER_WINDOW_SECONDS: String(config.reorderWindowSeconds),
        ...this.secrets.environment(this.secrets.ingest),
      },
      commandHooks: preparedIngestHooks(this.preparedIngestFile),
    });
    this.batcher = new TaglaneFunction(this, 'Batcher', {
      entry: join(root, 'functions/batcher/handler.ts'),
      projectRoot: root,
      serviceName: 'batcher',
      timeoutSeconds: config.batcherTimeoutSeconds,
      memoryMb: config.batcherMemoryMb,
      logRetention,
      environment: {
        // Only when a destination takes it (the implicit or url-less default).
        ...(plan.matomoUrl === undefined ? {} : { MATOMO_URL: plan.matomoUrl }),
        TAGLANE_TABLE_NAME: this.table.tableName,
        TAGLANE_DLQ_URL: this.queues.deadLetterQueue.queueUrl,
        // Retries of the queue it reads wait longer on each receive (ChangeMessageVisibility).
        TAGLANE_QUEUE_URL: this.queues.queue.queueUrl,
        TAGLANE_RETRY_BASE_SECONDS: String(this.queues.retryPolicy.baseSeconds),
        TAGLANE_RETRY_MAX_SECONDS: String(this.queues.retryPolicy.maxSeconds),
        TAGLANE_QUEUE_RETENTION_SECONDS: String(this.queues.retryPolicy.retentionSeconds),
        ...this.secrets.environment(this.secrets.batcher),
        ...bundledDestinations,
      },
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_input: string, output: string) => copyDestinations(output),
      },
    });

    // Least privilege: each function gets exactly the calls it makes, on this stack's resources
    // (the batcher's visitor store and delivery log: BatchGetItem, GetItem, PutItem, UpdateItem).
    this.queues.queue.grantSendMessages(this.ingest);
    this.secrets.grantRead(this.ingest, this.secrets.ingest);
    this.queues.deadLetterQueue.grantSendMessages(this.batcher);
    // Destination tokens and the visitor key: the batcher only, each parameter by its own ARN.
    this.secrets.grantRead(this.batcher, this.secrets.batcher, true);
    this.table.grant(
      this.batcher,
      'dynamodb:BatchGetItem',
      // The delivery log writes 25 ids per call. IAM cannot limit it to puts; the code only puts.
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    );
    this.batcher.addEventSource(
      new SqsEventSource(this.queues.queue, {
        batchSize: config.batchSize,
        ...(config.batchWindowSeconds > 0
          ? { maxBatchingWindow: Duration.seconds(config.batchWindowSeconds) }
          : {}),
        reportBatchItemFailures: true,
        maxConcurrency: config.maxConcurrency,
      }),
    );

    const front = buildFrontDoor(this, this.ingest, config, logRetention, tracker?.paths);
    this.httpApi = front.httpApi;
    this.functionUrl = front.functionUrl;
    this.monitoring = new TaglaneMonitoring(this, 'Monitoring', {
      ingest: this.ingest,
      batcher: this.batcher,
      queue: this.queues.queue,
      deadLetterQueue: this.queues.deadLetterQueue,
      frontDoorServerErrors: front.serverErrors,
      oldestMessageAgeAlarmSeconds: config.oldestMessageAgeAlarmSeconds,
      alarmEmail: config.alarmEmail,
      alarms: config.alarms,
      topicKey: config.alarmTopicKey,
      dashboard: config.dashboard,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: front.url,
      description: 'POST /events, /webhooks/{source}',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.queues.deadLetterQueue.queueUrl });
    // ARNs for `aws sqs start-message-move-task` (DLQ redrive back into the queue).
    new CfnOutput(this, 'DeadLetterQueueArn', { value: this.queues.deadLetterQueue.queueArn });
    new CfnOutput(this, 'QueueArn', { value: this.queues.queue.queueArn });
    const expected = (names: readonly string[]) => names.map((n) => this.secrets.parameterName(n)).join(', ');
    new CfnOutput(this, 'SecretParameterPrefix', {
      value: this.secrets.parameterPrefix,
      description:
        `SecureString parameters read: ingest ${expected(this.secrets.ingest.names) || '(none)'}; batcher ${expected(this.secrets.batcher.names) || '(none)'}`.slice(
          0,
          1024,
        ),
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    if (this.monitoring.dashboard !== undefined) {
      new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
    }
  }
}

/** Single-quotes a path for the bundling shell command. */
function shellQuote(path: string): string {
  return `'${path.replaceAll("'", "'\\''")}'`;
}

/**
 * The tracker file (with the paths it serves), validated against the stack's destinations so
 * a broken file stops synth (with file:line:col) instead of being deployed; undefined when not
 * set.
 */
function checkTrackerFile(
  file: string | undefined,
  root: string,
  destinations: { readonly list: readonly { readonly name: string }[] },
): TrackerConfig | undefined {
  if (file === undefined) return undefined;
  const path = resolve(root, file);
  return parseTrackerConfig(file, readFileSync(path, 'utf8'), new Set(destinations.list.map((d) => d.name)));
}
