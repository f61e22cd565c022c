import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  type ICommandHooks,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { trimSourceMapCommand } from './source-map-trim.ts';

/**
 * ESM bundles still contain CommonJS dependencies that call `require`; esbuild leaves those
 * calls in place, so the bundle defines `require` itself.
 */
const REQUIRE_BANNER =
  "import { createRequire as __taglaneCreateRequire } from 'node:module'; const require = __taglaneCreateRequire(import.meta.url);";

/** Properties of a {@link TaglaneFunction}. */
export interface TaglaneFunctionProps {
  /** The handler module (`export const handler`), absolute path. */
  readonly entry: string;
  /** Repository root: esbuild runs here and resolves `node_modules` from it. */
  readonly projectRoot: string;
  /** Seconds before Lambda stops an invocation. */
  readonly timeoutSeconds: number;
  /** Memory in MB. */
  readonly memoryMb: number;
  /** Days the function's log group keeps logs. */
  readonly logRetention: RetentionDays;
  /** Environment variables, in addition to the Powertools ones set here. */
  readonly environment: Readonly<Record<string, string>>;
  /** Service name for Powertools logs and metrics (`ingest`, `batcher`). */
  readonly serviceName: string;
  /** Deletes the log group with the stack. @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Extra steps around esbuild, e.g. copying the rule set next to the bundle. @default none */
  readonly commandHooks?: ICommandHooks;
}

/**
 * The one way Taglane builds a Lambda function: `nodejs24.x` on arm64, a minified ESM bundle
 * with source maps built by the local esbuild (never Docker), active tracing, JSON logs into
 * a log group with a fixed retention. Fixing these once keeps ingest and batcher identical.
 *
 * The source map covers Taglane's own code only (`lib/source-map-trim.ts`, no `sourcesContent`):
 * Node reads and decodes it at every cold start with `--enable-source-maps`, and the packages'
 * mappings were nine tenths of it. Stack traces still name our files, lines and functions.
 */
export class TaglaneFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: TaglaneFunctionProps) {
    assertLocalEsbuild();
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    // Our own role instead of the default one: AWSLambdaBasicExecutionRole may create and
    // write any log group, this one writes only its own.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: Duration.seconds(props.timeoutSeconds),
      memorySize: props.memoryMb,
      role,
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'Taglane',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        // Stack traces map through names and mappings alone; the sources only made the map larger.
        sourcesContent: false,
        // The SDK version we test against ships in the bundle, not whatever the runtime has.
        bundleAwsSDK: true,
        forceDockerBundling: false,
        commandHooks: withTrimmedSourceMap(props.commandHooks),
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing needs xray:PutTraceSegments/PutTelemetryRecords, which support no resource-level permissions.',
    });
  }
}

/** `hooks`, then the source map trimmed to Taglane's own code. */
function withTrimmedSourceMap(hooks: ICommandHooks | undefined): ICommandHooks {
  return {
    beforeBundling: (input, output) => hooks?.beforeBundling(input, output) ?? [],
    beforeInstall: (input, output) => hooks?.beforeInstall(input, output) ?? [],
    afterBundling: (input, output) => [
      ...(hooks?.afterBundling(input, output) ?? []),
      trimSourceMapCommand(join(output, 'index.mjs.map')),
    ],
  };
}

/**
 * NodejsFunction silently falls back to Docker when it cannot find esbuild; Taglane's
 * promise is a Docker-free synth, so a missing esbuild is an error with the fix in it.
 */
function assertLocalEsbuild(): void {
  try {
    createRequire(import.meta.url).resolve('esbuild');
  } catch {
    throw new Error('esbuild is not installed: run `npm ci` (Taglane bundles locally, never with Docker)');
  }
}
