export { InMemoryAcceptanceLog } from './acceptance.ts';
export {
  MAX_DELAY_SECONDS,
  MAX_RETENTION_SECONDS,
  planRetry,
  type RetryPlan,
  type RetryPolicy,
  receivesWithin,
  retryDelaySeconds,
} from './backoff.ts';
export { type DeliverOptions, type DeliveryCounts, type DeliveryReport, deliver } from './deliver.ts';
export { BatcherError, OutOfTimeError } from './errors.ts';
export { chunkBySize, compareRequests, sortByTime } from './order.ts';
export type { BatchItem, QueueMessage } from './parse.ts';
export type {
  AcceptanceLog,
  BatcherConfig,
  BatcherDeps,
  BatcherLog,
  DeadLetter,
  DeadLetterReason,
  DeadLetterSink,
  DeliveryLog,
  Destination,
  RetryDelay,
  RetryScheduler,
  VisitorRecord,
  VisitorStore,
} from './ports.ts';
export type { BulkStat } from './send.ts';
export { hashVisitorKey, randomVisitorId } from './visitors.ts';
