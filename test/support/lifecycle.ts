import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

/** A resource started by {@link perFile} or {@link perTest}. */
export interface Held<T> {
  /** The running resource; only inside hooks and tests. */
  readonly current: T;
}

type Hook = (fn: () => Promise<void>) => void;
type Start<T> = () => Promise<T>;
type Stop<T> = (resource: T) => Promise<unknown>;

function hold<T>(what: string, before: Hook, after: Hook, start: Start<T>, stop: Stop<T>): Held<T> {
  let held: { readonly resource: T } | undefined;
  before(async () => {
    held = { resource: await start() };
  });
  after(async () => {
    const done = held;
    held = undefined;
    if (done !== undefined) await stop(done.resource);
  });
  return {
    get current(): T {
      if (held === undefined) throw new Error(`${what} exists only inside hooks and tests`);
      return held.resource;
    },
  };
}

/**
 * Starts a resource in `beforeAll` and stops it in `afterAll` (not when it never started), for
 * the tests of one file or `describe`. After-hooks run in reverse order, so what is registered
 * later (a server on a directory) is stopped before what was registered earlier.
 */
export function perFile<T>(what: string, start: Start<T>, stop: Stop<T>): Held<T> {
  return hold(what, beforeAll, afterAll, start, stop);
}

/** Like {@link perFile}, but a fresh resource for each test: `beforeEach` and `afterEach`. */
export function perTest<T>(what: string, start: Start<T>, stop: Stop<T>): Held<T> {
  return hold(what, beforeEach, afterEach, start, stop);
}
