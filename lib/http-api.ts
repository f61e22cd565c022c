import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SEGMENT_CALLS } from '../src/sources/segment/calls.ts';

/** Properties of {@link TaglaneHttpApi}. */
export interface TaglaneHttpApiProps {
  /** The function behind every route. */
  readonly handler: IFunction;
  /** Steady-state requests per second. @default 100 */
  readonly rateLimit?: number;
  /** Burst requests. @default 200 */
  readonly burstLimit?: number;
  /** Days the access log keeps entries. */
  readonly logRetention: RetentionDays;
  /** Route the browser tracker's `GET|POST|OPTIONS /matomo.php` to ingest too. @default false */
  readonly tracker?: boolean;
  /** The tracker's paths when `tracker` is on (the tracker file's `path` beside it). @default ['/matomo.php'] */
  readonly trackerPaths?: readonly string[];
}

/**
 * Access log line: what happened to a request, never its body, headers or query string
 * (they carry signatures and API keys).
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTimeEpoch',
  ip: '$context.identity.sourceIp',
  route: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  bytes: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
};

/**
 * The public HTTP API: `POST /events`, `POST /webhooks/{source}`, `GET /health` and Segment's
 * `POST /v1/{call}`, all to ingest. One `$default` stage, throttled (so a flood cannot run up
 * the Lambda bill or starve Matomo's share of concurrency) and with JSON access logs.
 */
export class TaglaneHttpApi extends Construct {
  public readonly api: HttpApi;
  public readonly stage: HttpStage;
  public readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: TaglaneHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      description: 'Taglane: events and webhooks in, Matomo tracking requests out',
      createDefaultStage: false,
    });
    const integration = new HttpLambdaIntegration('Ingest', props.handler);
    const routes = [
      { path: '/events', methods: [HttpMethod.POST] },
      { path: '/webhooks/{source}', methods: [HttpMethod.POST] },
      { path: '/health', methods: [HttpMethod.GET] },
      // Segment's HTTP API, so Segment's and RudderStack's SDKs send here unchanged.
      ...SEGMENT_CALLS.map((call) => ({ path: `/v1/${call}`, methods: [HttpMethod.POST] })),
      ...(props.tracker
        ? (props.trackerPaths ?? ['/matomo.php']).map((path) => ({
            path,
            methods: [HttpMethod.GET, HttpMethod.POST, HttpMethod.OPTIONS],
          }))
        : []),
    ];
    for (const route of routes) {
      for (const r of this.api.addRoutes({ ...route, integration })) {
        Validations.of(r).acknowledge({
          id: 'AwsSolutions::AwsSolutions-APIG4',
          reason:
            'Webhook vendors cannot send AWS credentials or JWTs; ingest verifies each request by the source scheme (vendor signature or API key) and /health is public by design.',
        });
      }
    }
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 100, burstLimit: props.burstLimit ?? 200 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }

  /** Base URL of the API (the `$default` stage serves the root). */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
