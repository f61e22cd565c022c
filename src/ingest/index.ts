export { checkJsonMediaType, checkSize, parseJson } from './body.ts';
export {
  BadRequestError,
  ConfigurationError,
  IngestError,
  type Issue,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  QueueUnavailableError,
  RuleFailedError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from './errors.ts';
export { bodyHashId } from './identity.ts';
export { ingest } from './ingest.ts';
export { PROBLEM_TYPE_PREFIX, problemResponse } from './problem.ts';
export { MemoryQueue, MessageTooLargeError, type QueuePort, QueueSendError } from './queue.ts';
export {
  type Accepted,
  DEFAULT_LIMITS,
  type IngestDeps,
  type IngestLimits,
  type IngestLogger,
  type IngestMetricName,
  type IngestMetrics,
  type IngestRequest,
  type IngestResponse,
} from './types.ts';
