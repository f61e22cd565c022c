/** What every failure of an AWS call carries, beside its message. */
export interface AwsErrorContext {
  /** The service's signing name: `sqs`, `ssm`, `secretsmanager`. */
  readonly service: string;
  /** The operation, e.g. `SendMessageBatch`. */
  readonly operation: string;
  /** Attempts made, the last one included. */
  readonly attempts?: number;
}

/** Base of every error of an AWS call made by aws-lite. */
export class AwsError extends Error {
  override readonly name: string = 'AwsError';
  readonly service: string;
  readonly operation: string;
  /** Attempts made before giving up (1 when the error is not retryable). */
  attempts: number;
  /** Whether the SDK's standard retry mode would try the call again. */
  readonly retryable: boolean;

  constructor(message: string, context: AwsErrorContext, retryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.service = context.service;
    this.operation = context.operation;
    this.attempts = context.attempts ?? 1;
    this.retryable = retryable;
  }
}

/** The service answered with an error: its code (`__type` after `#`), status and message. */
export class AwsServiceError extends AwsError {
  override readonly name: string = 'AwsServiceError';
  /** The error code as the SDK names it: `QueueDoesNotExist`, `ThrottlingException`, … */
  readonly code: string;
  readonly statusCode: number;
  readonly requestId: string | undefined;

  constructor(
    details: { code: string; statusCode: number; message: string; requestId?: string | undefined },
    context: AwsErrorContext,
    retryable: boolean,
  ) {
    super(
      `${context.operation}: ${details.code} (HTTP ${details.statusCode}): ${details.message}`,
      context,
      retryable,
    );
    this.code = details.code;
    this.statusCode = details.statusCode;
    this.requestId = details.requestId;
  }
}

/** No answer came: the connection failed or was reset. Always retryable. */
export class AwsNetworkError extends AwsError {
  override readonly name: string = 'AwsNetworkError';
  constructor(context: AwsErrorContext, cause: unknown) {
    super(`${context.operation}: ${cause instanceof Error ? cause.message : String(cause)}`, context, true, {
      cause,
    });
  }
}

/** No complete answer within the request timeout. Retryable, as the SDK treats a timeout. */
export class AwsTimeoutError extends AwsError {
  override readonly name: string = 'AwsTimeoutError';
  readonly timeoutMs: number;
  constructor(context: AwsErrorContext, timeoutMs: number) {
    super(`${context.operation}: no answer within ${timeoutMs} ms`, context, true);
    this.timeoutMs = timeoutMs;
  }
}

/** The configuration cannot make a call: credentials or region missing, a bad endpoint URL. */
export class AwsConfigError extends Error {
  override readonly name = 'AwsConfigError';
}
