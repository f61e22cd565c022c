export { type DeliverOptions, type DeliveryCounts, type DeliveryReport, deliver } from './deliver.ts';
export { BatcherError, OutOfTimeError } from './errors.ts';
export { chunkBySize, compareRequests, sortByTime } from './order.ts';
export type { BatchItem, QueueMessage } from './parse.ts';
export type {
  BatcherConfig,
  BatcherDeps,
  BatcherLog,
  DeadLetter,
  DeadLetterReason,
  DeadLetterSink,
  DeliveryLog,
  Destination,
  VisitorRecord,
  VisitorStore,
} from './ports.ts';
export type { BulkStat } from './send.ts';
export { hashVisitorKey, randomVisitorId } from './visitors.ts';
