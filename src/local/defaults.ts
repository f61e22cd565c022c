/**
 * The shipped defaults of `taglane serve`'s batching flags, as commander takes them (strings):
 * one place, so the benchmark measures what a user gets without flags.
 */
export const SERVE_BATCH_DEFAULTS = { batchSize: '10', batchWindow: '0.5' } as const;
