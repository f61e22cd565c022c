import { afterAll, beforeAll } from 'vitest';

/** A resource shared by the tests of one file (or `describe`); see {@link perFile}. */
export interface PerFile<T> {
  /** The running resource; only inside hooks and tests. */
  readonly current: T;
}

/**
 * Starts a resource in `beforeAll` and stops it in `afterAll` (not when it never started).
 * After-hooks run in reverse order, so what is registered later (a server on a directory) is
 * stopped before what was registered earlier.
 */
export function perFile<T>(
  what: string,
  start: () => Promise<T>,
  stop: (resource: T) => Promise<unknown>,
): PerFile<T> {
  let held: { readonly resource: T } | undefined;
  beforeAll(async () => {
    held = { resource: await start() };
  });
  afterAll(async () => {
    if (held !== undefined) await stop(held.resource);
  });
  return {
    get current(): T {
      if (held === undefined) throw new Error(`${what} exists only inside hooks and tests`);
      return held.resource;
    },
  };
}
