import { param } from './coerce.ts';
import { type DataPath, formatPath } from './data-path.ts';
import type { RuleProblem } from './errors.ts';
import { FieldError } from './errors.ts';
import type { CompiledField, CompiledTrack } from './evaluate.ts';
import {
  type Accessor,
  type CompileOptions,
  compileValue,
  ExpressionSyntaxError,
  isExpression,
} from './expression.ts';
import { compileItemList } from './items.ts';
import { paramProblem } from './params.ts';
import type { TrackInput, TrackType } from './schema-tracks.ts';
import { COMMON_FIELDS, dimensionSpec, type FieldSpec, trackSpec } from './tracks.ts';
import type { YamlSource } from './yaml-source.ts';

/** What compiling needs: where problems go and how to compile values. */
export interface CompileScope {
  readonly src: YamlSource;
  readonly problems: RuleProblem[];
  readonly options: CompileOptions;
}

/** Compiles a value; syntax errors were reported by expressionProblems, so they become null here. */
export function valueAt(scope: CompileScope, raw: unknown): Accessor {
  try {
    return compileValue(raw, scope.options);
  } catch (e) {
    if (!(e instanceof ExpressionSyntaxError)) throw e;
    return compileValue(null);
  }
}

function field(
  scope: CompileScope,
  path: DataPath,
  spec: FieldSpec,
  raw: unknown,
  accessor?: Accessor,
): CompiledField {
  const compiled = accessor ?? valueAt(scope, raw);
  if (
    compiled.kind === 'literal' &&
    raw !== undefined &&
    !isExpression(raw) &&
    (raw !== '' || spec.required)
  ) {
    // A literal that breaks Matomo's rules is a load-time problem, not a run-time surprise.
    try {
      spec.coerce(raw);
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      scope.problems.push(scope.src.problem(path, e.message));
    }
  }
  return {
    field: formatPath(path.slice(2)),
    param: spec.param,
    accessor: compiled,
    coerce: spec.coerce,
    required: spec.required,
    invalid: spec.invalid,
  };
}

/** Compiles one schema-valid `track` item at `path` (`rules[i].track[j]`). */
export function compileTrack(scope: CompileScope, path: DataPath, input: TrackInput): CompiledTrack {
  // The schema lets exactly one track type through; reading it off the input, not off the
  // schema's list of names, keeps zod out of the compiler (a deployed ingest loads no zod).
  const type = (Object.keys(input).find(
    (k) => k !== 'destination' && k !== 'site' && input[k as TrackType] !== undefined,
  ) ?? 'pageview') as TrackType;
  const body = (input[type] ?? {}) as Record<string, unknown>;
  const spec = trackSpec(type);
  const at = [...path, type];
  const fields: CompiledField[] = [];
  for (const f of [...spec.fields, ...COMMON_FIELDS]) {
    const raw = body[f.key];
    if (raw === undefined) continue;
    const items =
      f.param === 'ec_items' && Array.isArray(raw) ? compileItemList(raw, scope.options) : undefined;
    fields.push(field(scope, [...at, f.key], f, items ? undefined : raw, items));
  }
  const dims = (body.dimensions ?? {}) as Record<string, unknown>;
  for (const [id, raw] of Object.entries(dims)) {
    fields.push(field(scope, [...at, 'dimensions', id], dimensionSpec(id), raw));
  }
  const params = (body.params ?? {}) as Record<string, unknown>;
  for (const [name, raw] of Object.entries(params)) {
    const problem = paramProblem(name);
    if (problem) {
      scope.problems.push(scope.src.problem([...at, 'params', name], problem, { atKey: true }));
    } else {
      const spec: FieldSpec = {
        key: name,
        param: name,
        coerce: param(name),
        required: false,
        invalid: 'drop',
      };
      fields.push(field(scope, [...at, 'params', name], spec, raw));
    }
  }
  // Pairs, not the spec's record: buildTrack runs per request and a for-in costs more.
  const fixed = Object.entries(spec.fixed);
  return spec.urlFrom === undefined ? { fixed, fields } : { fixed, fields, urlFrom: spec.urlFrom };
}
