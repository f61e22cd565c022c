/**
 * The shipped defaults of `taglane serve`'s batching flags, as commander takes them (strings):
 * one place, so the benchmark measures what a user gets without flags. 400 messages make four
 * lanes of full bulks of 100 (`TAGLANE_DELIVERY_LANES`); the local poller runs one batch at a
 * time, so a batch of 10 sent 10 requests per Matomo round trip (docs/benchmarks.md).
 */
export const SERVE_BATCH_DEFAULTS = { batchSize: '400', batchWindow: '0.2' } as const;
