import { type Duration, Fn } from 'aws-cdk-lib';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { FunctionUrlAuthType, type IFunction, InvokeMode } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** Properties of {@link TaglaneFunctionUrl}. */
export interface TaglaneFunctionUrlProps {
  /** The function every request goes to (ingest). */
  readonly handler: IFunction;
}

/**
 * The alternative front door: a Lambda function URL in front of ingest, no API Gateway. A
 * function URL costs nothing beyond the function's own invocations (API Gateway's HTTP API
 * costs $1.00 per million requests), and sends the same payload 2.0 event. What it gives up,
 * handled elsewhere: no throttling of its own (the stack reserves ingest's concurrency
 * instead), no routes (ingest answers 404/405 itself), no access log (ingest logs each
 * request), no custom domain without CloudFront. CORS is not configured on the URL, so
 * `OPTIONS` reaches ingest, which answers the browser tracker's preflight as behind the API.
 */
export class TaglaneFunctionUrl extends Construct {
  /** The URL without its trailing slash, as the HTTP API's endpoint is: `https://<id>.lambda-url.<region>.on.aws`. */
  public readonly url: string;
  readonly #handler: IFunction;

  constructor(scope: Construct, id: string, props: TaglaneFunctionUrlProps) {
    super(scope, id);
    this.#handler = props.handler;
    // Public like the HTTP API's routes: ingest verifies every request by its source's scheme
    // (vendor signature, API key, write key); senders cannot sign AWS requests.
    const functionUrl = props.handler.addFunctionUrl({
      authType: FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.BUFFERED,
    });
    this.url = `https://${Fn.select(2, Fn.split('/', functionUrl.url))}`;
  }

  /** 5xx answers of the URL (function errors included), summed per `period`. */
  serverErrors(period: Duration): IMetric {
    return this.#handler.metric('Url5xxCount', { period, statistic: 'Sum' });
  }
}
