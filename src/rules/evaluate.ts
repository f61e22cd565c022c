import type { Coerce } from './coerce.ts';
import { FieldError, RuleEvaluationError } from './errors.ts';
import { type Accessor, ASYNC } from './expression.ts';

/** A compiled rule field: where its value comes from and the Matomo parameter it becomes. */
export interface CompiledField {
  /** Path in the rule, e.g. `track[0].order.revenue`, for error messages. */
  readonly field: string;
  readonly param: string;
  readonly accessor: Accessor;
  readonly coerce: Coerce;
  readonly required: boolean;
}

/** One compiled `track` item. */
export interface CompiledTrack {
  readonly fixed: Readonly<Record<string, string>>;
  readonly fields: readonly CompiledField[];
  readonly urlFrom?: string;
}

/** Who is evaluating, so an error can name the source and rule. */
export interface EvalScope {
  readonly source: string;
  readonly rule: string;
}

/**
 * Reads an accessor's value, synchronously when it can. JSONata run-time failures (a function
 * given the wrong type, say) become a {@link RuleEvaluationError} naming the field.
 */
export async function readValue(
  accessor: Accessor,
  input: unknown,
  scope: EvalScope,
  field: string,
): Promise<unknown> {
  const value = accessor.read(input);
  if (value !== ASYNC) return value;
  try {
    return await accessor.evaluate(input);
  } catch (e) {
    const message = e instanceof Error ? e.message : String((e as { message?: unknown }).message ?? e);
    throw new RuleEvaluationError(
      { ...scope, field, value: undefined, reason: `expression ${accessor.source} failed: ${message}` },
      { cause: e },
    );
  }
}

/** Coerces a value, turning a {@link FieldError} into a {@link RuleEvaluationError} for the field. */
export function coerceValue(coerce: Coerce, raw: unknown, scope: EvalScope, field: string): string {
  try {
    return coerce(raw);
  } catch (e) {
    if (e instanceof FieldError) {
      throw new RuleEvaluationError({ ...scope, field, value: raw, reason: e.message }, { cause: e });
    }
    throw e;
  }
}

/** Adds the parameters one track item produces to `params`. */
export async function buildTrack(
  track: CompiledTrack,
  input: unknown,
  scope: EvalScope,
  params: Record<string, string>,
): Promise<void> {
  for (const f of track.fields) {
    let raw = f.accessor.read(input);
    if (raw === ASYNC) raw = await readValue(f.accessor, input, scope, f.field);
    // An empty string carries nothing (Shopify sends referring_site: ""): optional fields omit it.
    if (raw === undefined || raw === null || (raw === '' && !f.required)) {
      if (f.required) {
        throw new RuleEvaluationError({ ...scope, field: f.field, value: raw, reason: 'is required' });
      }
      continue;
    }
    params[f.param] = coerceValue(f.coerce, raw, scope, f.field);
  }
  for (const [name, value] of Object.entries(track.fixed)) params[name] = value;
  if (track.urlFrom !== undefined && params.url === undefined) {
    const link = params[track.urlFrom];
    if (link !== undefined) params.url = link;
  }
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
