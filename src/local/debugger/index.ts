import { getHeapStatistics } from 'node:v8';
import type { RuleSet } from '../../rules/index.ts';
import { type DeadLetterQueues, DeadLetters } from './dead-letters.ts';
import { BatcherObserver } from './observe-batcher.ts';
import { IngestObserver, type ObservedRules } from './observe-ingest.ts';
import { redactorFor } from './redact.ts';
import { debuggerRoutes, type PageRoutes } from './routes.ts';
import { ruleLines } from './rule-lines.ts';
import { DEFAULT_MEMORY_BUDGET, EventStore } from './store.ts';
import type { RulesStatus } from './wire.ts';

/** Options for {@link startDebugger}. */
export interface DebuggerOptions {
  readonly ruleSet: RuleSet;
  /** The handlers' environment: the secret values to redact are looked up in it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly queues: DeadLetterQueues;
  readonly maxReceiveCount: number;
  /** HTTP requests kept at most. @default 10000 */
  readonly capacity?: number;
  /** Estimated heap bytes the kept requests may take. @default {@link defaultMemoryBudget} */
  readonly memoryBudget?: number;
}

/**
 * The debugger's share of the heap: a sixteenth of the process's V8 heap limit, at most
 * 64 MiB. Node's default limit gives it the 64 MiB; `--max-old-space-size=48` gives it 6 MiB
 * (V8's limit then also counts the young generation, 96 MiB in all), about 1,800 page views.
 */
export function defaultMemoryBudget(): number {
  return Math.min(DEFAULT_MEMORY_BUDGET, Math.floor(getHeapStatistics().heap_size_limit / 16));
}

/** The live debugger of `taglane serve`: observers to wrap the handlers with, and its routes. */
export interface Debugger {
  readonly store: EventStore;
  readonly ingest: IngestObserver;
  readonly batcher: BatcherObserver;
  readonly routes: PageRoutes;
  /** The rule set in force changed (a reload): new requests are described with it. */
  rulesLoaded(ruleSet: RuleSet): Promise<void>;
  /** A change to the rule files was refused; the page shows why. */
  rulesRefused(problems: readonly string[]): void;
  close(): void;
}

/**
 * Builds the debugger around a rule set. It changes nothing in the pipeline: the caller wraps
 * the ingest handler and queue, and the batcher handler and ports, with its observers, and
 * serves its routes beside the API.
 */
export async function startDebugger(options: DebuggerOptions): Promise<Debugger> {
  const store = new EventStore({
    ...(options.capacity ? { capacity: options.capacity } : {}),
    memoryBudget: options.memoryBudget ?? defaultMemoryBudget(),
  });
  const observed = async (ruleSet: RuleSet): Promise<ObservedRules> => ({
    ruleSet,
    lines: await ruleLines(ruleSet),
    redactor: redactorFor(ruleSet, options.env),
  });
  let rules = await observed(options.ruleSet);
  let status: RulesStatus = rulesStatus(rules.ruleSet, true, []);
  const ingest = new IngestObserver(store, () => rules);
  const routes = debuggerRoutes({
    store,
    deadLetters: new DeadLetters({ ...options.queues, redact: (text) => rules.redactor.text(text) }),
    rules: () => status,
    ruleSet: () => rules.ruleSet,
  });
  return {
    store,
    ingest,
    batcher: new BatcherObserver(store, options.maxReceiveCount),
    routes,
    rulesLoaded: async (ruleSet) => {
      rules = await observed(ruleSet);
      status = rulesStatus(ruleSet, true, []);
      store.publish({ type: 'rules', rules: status });
    },
    rulesRefused: (problems) => {
      status = { ...rulesStatus(rules.ruleSet, false, problems) };
      store.publish({ type: 'rules', rules: status });
    },
    close: () => {
      routes.closeStreams();
      store.close();
    },
  };
}

function rulesStatus(ruleSet: RuleSet, ok: boolean, problems: readonly string[]): RulesStatus {
  const sources = [...ruleSet.sources.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => ({
      name: s.name,
      route: s.auth.scheme === 'api-key' ? `POST /events?source=${s.name}` : `POST /webhooks/${s.name}`,
      auth: s.auth.scheme,
    }));
  return { at: Date.now(), ok, problems, sources };
}
