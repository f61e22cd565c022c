import type { RequestWarning } from '../tracking/queued-request.ts';
import { ASYNC } from './async.ts';
import type { Coerce } from './coerce.ts';
import { FieldError, RuleEvaluationError } from './errors.ts';
import type { Accessor } from './expression.ts';

/** A compiled rule field: where its value comes from and the Matomo parameter it becomes. */
export interface CompiledField {
  /** Path in the rule, e.g. `track[0].order.revenue`, for error messages. */
  readonly field: string;
  readonly param: string;
  readonly accessor: Accessor;
  readonly coerce: Coerce;
  readonly required: boolean;
  /** Whether a value Matomo cannot use refuses the event or is dropped with a warning. */
  readonly invalid: 'refuse' | 'drop';
}

/** One compiled `track` item. */
export interface CompiledTrack {
  /** Constant parameters of the track type, as [param, value] pairs in order. */
  readonly fixed: readonly (readonly [string, string])[];
  readonly fields: readonly CompiledField[];
  readonly urlFrom?: string;
}

/** Who is evaluating, so an error can name the source and rule. */
export interface EvalScope {
  readonly source: string;
  readonly rule: string;
}

/** Thrown by {@link Reader.read} for a value only JSONata can compute; not an Error, no stack. */
class NeedsEvaluation {
  constructor(readonly accessor: Accessor) {}
}

type Settled = { readonly value: unknown } | { readonly error: unknown };

/** Reads accessors' values for one event, synchronously (see {@link resolve}). */
export class Reader {
  readonly #input: unknown;
  #settled: Map<Accessor, Settled> | undefined;

  constructor(input: unknown) {
    this.#input = input;
  }

  /** The value, or throws NeedsEvaluation when JSONata must compute it first. */
  read(accessor: Accessor, scope: EvalScope, field: string): unknown {
    const value = accessor.read(this.#input);
    if (value !== ASYNC) return value;
    const known = this.#settled?.get(accessor);
    if (known === undefined) throw new NeedsEvaluation(accessor);
    if ('error' in known) throw evaluationError(accessor, known.error, scope, field);
    return known.value;
  }

  async settle(accessor: Accessor): Promise<void> {
    this.#settled ??= new Map();
    try {
      this.#settled.set(accessor, { value: await accessor.evaluate(this.#input) });
    } catch (error) {
      this.#settled.set(accessor, { error });
    }
  }
}

/**
 * Runs `compute` synchronously against `input`. Literals, plain paths and the compiled JSONata
 * subset are read directly; when `compute` needs a value only JSONata can produce, that one
 * expression is evaluated (asynchronously), remembered, and `compute` runs again. An event
 * that needs no JSONata costs no extra promise; `compute` is pure, so running it again is safe.
 */
export function resolve<C, T>(
  input: unknown,
  compute: (reader: Reader, context: C) => T,
  context: C,
): Promise<T> {
  const reader = new Reader(input);
  // The common case settles nothing: one promise, without an async function's machinery.
  try {
    return Promise.resolve(compute(reader, context));
  } catch (e) {
    if (!(e instanceof NeedsEvaluation)) return Promise.reject(e);
    return settleAndRetry(reader, e.accessor, compute, context);
  }
}

async function settleAndRetry<C, T>(
  reader: Reader,
  first: Accessor,
  compute: (reader: Reader, context: C) => T,
  context: C,
): Promise<T> {
  await reader.settle(first);
  for (;;) {
    try {
      return compute(reader, context);
    } catch (e) {
      if (!(e instanceof NeedsEvaluation)) throw e;
      await reader.settle(e.accessor);
    }
  }
}

function evaluationError(
  accessor: Accessor,
  e: unknown,
  scope: EvalScope,
  field: string,
): RuleEvaluationError {
  const message = e instanceof Error ? e.message : String((e as { message?: unknown }).message ?? e);
  return new RuleEvaluationError(
    { ...scope, field, value: undefined, reason: `expression ${accessor.source} failed: ${message}` },
    { cause: e },
  );
}

/** Coerces a value, turning a {@link FieldError} into a {@link RuleEvaluationError} for the field. */
export function coerceValue<T>(
  coerce: (raw: unknown) => T,
  raw: unknown,
  scope: EvalScope,
  field: string,
): T {
  try {
    return coerce(raw);
  } catch (e) {
    if (e instanceof FieldError) {
      throw new RuleEvaluationError({ ...scope, field, value: raw, reason: e.message }, { cause: e });
    }
    throw e;
  }
}

/**
 * Adds the parameters one track item produces to `params`. A required field Matomo cannot use
 * refuses the event; an optional one (most) is left out with a warning (without the value,
 * which may be personal data), so one bad referrer does not lose an order.
 *
 * @returns `warnings` with this track's warnings added; a new list only when there are any
 */
export function buildTrack(
  track: CompiledTrack,
  reader: Reader,
  scope: EvalScope,
  params: Record<string, string>,
  warnings: readonly RequestWarning[],
): readonly RequestWarning[] {
  let out = warnings;
  for (const f of track.fields) {
    const raw = reader.read(f.accessor, scope, f.field);
    // An empty string carries nothing (Shopify sends referring_site: ""): optional fields omit it.
    if (raw === undefined || raw === null || (raw === '' && !f.required)) {
      if (f.required) {
        throw new RuleEvaluationError({ ...scope, field: f.field, value: raw, reason: 'is required' });
      }
      continue;
    }
    if (f.invalid === 'refuse') {
      params[f.param] = coerceValue(f.coerce, raw, scope, f.field);
      continue;
    }
    try {
      params[f.param] = f.coerce(raw);
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      out = [...out, { field: f.field, message: `dropped: ${e.message}` }];
    }
  }
  for (const [name, value] of track.fixed) params[name] = value;
  if (track.urlFrom !== undefined && params.url === undefined) {
    const link = params[track.urlFrom];
    if (link !== undefined) params.url = link;
  }
  return out;
}

/** JSONata's notion of truthiness for `when`: empty strings, zero, empty lists are false. */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isTruthy);
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (typeof value === 'number') return !Number.isNaN(value);
  if (typeof value === 'function') return false;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
