/**
 * The shipped defaults of `taglane serve`'s batching flags, as commander takes them (strings):
 * one place, so the benchmark measures what a user gets without flags. 400 messages make four
 * lanes of full bulks of 100 (`TAGLANE_DELIVERY_LANES`); the local poller runs one batch at a
 * time, so a batch of 10 sent 10 requests per Matomo round trip (docs/benchmarks.md). The
 * window is at most 1 s and ends once the queue is quiet ({@link SERVE_QUIET_MS}): a sender's
 * burst goes in one batch (each batch costs every person in it a visitor-record read and a
 * delivery-log write: 10,000 events of 500 people in 3 batches took 3.5 s, in one 2.9 s),
 * while a lone request waits 0.1 s.
 */
export const SERVE_BATCH_DEFAULTS = { batchSize: '400', batchWindow: '1' } as const;

/**
 * A batch's window ends once no message arrived for this long (the poller's `quietMs`): a
 * sender that paused sends nothing more soon, and waiting out the window only delays it.
 */
export const SERVE_QUIET_MS = 100;
