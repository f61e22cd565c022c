export { acceptSegment } from './accept.ts';
export {
  isSegmentCall,
  SEGMENT_CALLS,
  SEGMENT_LIMITS,
  SEGMENT_TYPES,
  type SegmentAccepted,
  type SegmentCall,
  type SegmentType,
} from './calls.ts';
export { correctedTime } from './clock.ts';
export { decodeBody } from './decode.ts';
export { InvalidEncodingError, UnsupportedEncodingError } from './errors.ts';
export { messagesOf, type SegmentMessage } from './messages.ts';
export { presentedWriteKey, sourceForWriteKey } from './write-key.ts';
