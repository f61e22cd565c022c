/** Base class of the batcher's own errors. */
export class BatcherError extends Error {
  override readonly name: string = 'BatcherError';
}

/**
 * The invocation has too little time left for another bulk: starting one could let the
 * function time out after Matomo committed it but before its ids were recorded, and the retry
 * would send it twice. The requests not sent go back to the queue instead.
 */
export class OutOfTimeError extends BatcherError {
  override readonly name = 'OutOfTimeError';
  readonly remainingMs: number;

  constructor(remainingMs: number) {
    super(`${remainingMs} ms left in this invocation, too little for another bulk`);
    this.remainingMs = remainingMs;
  }
}

/**
 * Another batcher created one of a bulk's new people first, so the visitor ids planned for it
 * may be wrong: the bulk is not sent, and its lane's remaining requests are planned again from
 * what the visitor store holds.
 */
export class PeopleChangedError extends BatcherError {
  override readonly name = 'PeopleChangedError';

  constructor() {
    super("another batcher created one of the bulk's people first; planning them again");
  }
}
