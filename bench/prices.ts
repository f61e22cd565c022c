/**
 * List prices the cost estimate uses, in USD, region us-east-1 (AWS) and tier-1 us-central1
 * (Cloud Run), as published on the vendors' pricing pages. They were written down from those
 * pages as they stood in 2025 (the DynamoDB on-demand prices are the ones after the November
 * 2024 cut); this sandbox cannot reach them, so check them before quoting a figure. Free tiers
 * are ignored: the estimate is for an account that has used them up.
 */
export const PRICES = {
  asOf: '2025-06-01',
  sources: [
    'https://aws.amazon.com/api-gateway/pricing/',
    'https://aws.amazon.com/lambda/pricing/',
    'https://aws.amazon.com/sqs/pricing/',
    'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    'https://aws.amazon.com/secrets-manager/pricing/',
    'https://aws.amazon.com/cloudwatch/pricing/',
    'https://aws.amazon.com/kms/pricing/',
    'https://cloud.google.com/run/pricing',
  ],
  aws: {
    /** HTTP API, first 300 million requests a month, per request (metered in 512 KB units). */
    httpApiPerRequest: 1.0 / 1e6,
    /** Lambda on arm64 (the stack's architecture). */
    lambdaPerGbSecond: 0.0000133334,
    lambdaPerRequest: 0.2 / 1e6,
    /** SQS standard queue, per API request (64 KB units). */
    sqsPerRequest: 0.4 / 1e6,
    /** DynamoDB on-demand. */
    dynamoPerWriteUnit: 0.625 / 1e6,
    dynamoPerReadUnit: 0.125 / 1e6,
    secretPerMonth: 0.4,
    secretsPerApiCall: 0.05 / 10_000,
    /** CloudWatch standard-resolution metric alarm. */
    alarmPerMonth: 0.1,
    /** A customer managed KMS key (the alarm topic's). */
    kmsKeyPerMonth: 1.0,
    /** A CloudWatch dashboard beyond the three an account has free. */
    dashboardPerMonth: 3.0,
  },
  cloudRun: {
    /** Instance-based billing (CPU always allocated), which a kept-warm instance uses. */
    perVcpuSecond: 0.000018,
    perGibSecond: 0.000002,
  },
} as const;

/** Prices in the shape {@link PRICES} has, so tests can pass round numbers. */
export type Prices = {
  readonly aws: { readonly [K in keyof typeof PRICES.aws]: number };
  readonly cloudRun: { readonly [K in keyof typeof PRICES.cloudRun]: number };
};
