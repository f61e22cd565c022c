import { type FSWatcher, watch } from 'node:fs';
import { formatProblem, loadRuleSet, type RuleSet, RuleSetError } from '../rules/index.ts';

/** Options for {@link watchRules}. */
export interface RuleWatchOptions {
  /** The directory as the user gave it, so problems name files the way `taglane validate` does. */
  readonly dir: string;
  /** A valid rule set was loaded after a change. */
  readonly onLoaded: (ruleSet: RuleSet) => Promise<void>;
  /** A change made the rule set invalid: `file:line:col path: message` lines. */
  readonly onRefused: (problems: readonly string[]) => void;
  /** Loading failed for another reason (the directory is gone). */
  readonly onError: (error: unknown) => void;
  /** How long to wait for an editor's save (write, rename, chmod) to settle. @default 150 */
  readonly settleMs?: number;
  /** Loads the rule set (with the destinations it is checked against). @default loadRuleSet(dir) */
  readonly load?: (dir: string) => Promise<RuleSet>;
}

/** A running watch. */
export interface RuleWatch {
  close(): void;
}

/**
 * Watches the rule directory and reloads the rule set after each change. A valid set is
 * handed to `onLoaded`; an invalid one to `onRefused` with every problem, and the caller keeps
 * the rules it had. Loads never overlap: a change during a load causes one more load after it.
 */
export function watchRules(options: RuleWatchOptions): RuleWatch {
  let timer: NodeJS.Timeout | undefined;
  let loading: Promise<void> | undefined;
  let again = false;
  let closed = false;
  const load = async (): Promise<void> => {
    try {
      const ruleSet = await (options.load ?? loadRuleSet)(options.dir);
      if (!closed) await options.onLoaded(ruleSet);
    } catch (error) {
      if (closed) return;
      if (error instanceof RuleSetError) options.onRefused(error.problems.map(formatProblem));
      else options.onError(error);
    }
  };
  const run = (): void => {
    if (loading) {
      again = true;
      return;
    }
    loading = load().finally(() => {
      loading = undefined;
      if (again && !closed) {
        again = false;
        run();
      }
    });
  };
  let watcher: FSWatcher;
  try {
    watcher = watch(options.dir, { persistent: false }, (_event, file) => {
      // Examples live in subdirectories and are not part of the rule set ingest runs.
      if (file !== null && !/\.ya?ml$/.test(file)) return;
      clearTimeout(timer);
      timer = setTimeout(run, options.settleMs ?? 150);
    });
  } catch (error) {
    // Out of inotify watches, say: serving without reloads beats not serving.
    options.onError(error);
    return { close: () => undefined };
  }
  watcher.on('error', (error) => options.onError(error));
  return {
    close: () => {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}
