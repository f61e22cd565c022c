/**
 * Visitor keys and ids moved to `src/identity/`, which the batcher and the sources share; these
 * re-exports keep the batcher's public surface.
 */
export { hashVisitorKey, randomVisitorId } from '../identity/matomo-ids.ts';
