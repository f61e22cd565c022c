import { param } from './coerce.ts';
import type { RuleProblem } from './errors.ts';
import { FieldError } from './errors.ts';
import type { CompiledField, CompiledTrack } from './evaluate.ts';
import { type Accessor, compileValue, ExpressionSyntaxError } from './expression.ts';
import { compileItemList } from './items.ts';
import { paramProblem } from './params.ts';
import type { RuleFile } from './schema.ts';
import { TRACK_TYPE_NAMES, type TrackInput } from './schema-tracks.ts';
import { type CompiledRule, createSource } from './source.ts';
import { COMMON_FIELDS, dimensionSpec, type FieldSpec, trackSpec } from './tracks.ts';
import type { AuthConfig, CompiledSource, RuleExample } from './types.ts';
import type { DataPath, YamlSource } from './yaml-source.ts';
import { formatPath } from './yaml-source.ts';

/** Compiles one schema-valid rule file, adding every problem found to `problems`. */
export function compileFile(src: YamlSource, file: RuleFile, problems: RuleProblem[]): CompiledSource {
  const value = (path: DataPath, raw: unknown): Accessor => {
    try {
      return compileValue(raw);
    } catch (e) {
      if (!(e instanceof ExpressionSyntaxError)) throw e;
      problems.push(
        src.problem(path, `JSONata syntax error: ${e.message}`, { offset: exprOffset(src, path, e) }),
      );
      return compileValue(null);
    }
  };

  const field = (path: DataPath, spec: FieldSpec, raw: unknown, accessor?: Accessor): CompiledField => {
    const compiled = accessor ?? value(path, raw);
    if (compiled.kind === 'literal') {
      // A literal that breaks Matomo's rules is a load-time problem, not a run-time surprise.
      try {
        spec.coerce(raw);
      } catch (e) {
        if (!(e instanceof FieldError)) throw e;
        problems.push(src.problem(path, e.message));
      }
    }
    return {
      field: formatPath(path.slice(2)),
      param: spec.param,
      accessor: compiled,
      coerce: spec.coerce,
      required: spec.required,
    };
  };

  const track = (path: DataPath, input: TrackInput): CompiledTrack => {
    const type = TRACK_TYPE_NAMES.find((t) => input[t] !== undefined) ?? 'pageview';
    const body = (input[type] ?? {}) as Record<string, unknown>;
    const spec = trackSpec(type);
    const at = [...path, type];
    const fields: CompiledField[] = [];
    for (const f of [...spec.fields, ...COMMON_FIELDS]) {
      const raw = body[f.key];
      if (raw === undefined) {
        if (f.required) problems.push(src.problem(at, `missing required field "${f.key}"`));
        continue;
      }
      const items =
        f.param === 'ec_items' && Array.isArray(raw)
          ? compileItemList(raw as Record<string, unknown>[])
          : undefined;
      fields.push(field([...at, f.key], f, items ? undefined : raw, items));
    }
    const dims = (body.dimensions ?? {}) as Record<string, unknown>;
    for (const [id, raw] of Object.entries(dims))
      fields.push(field([...at, 'dimensions', id], dimensionSpec(id), raw));
    const params = (body.params ?? {}) as Record<string, unknown>;
    for (const [name, raw] of Object.entries(params)) {
      const problem = paramProblem(name);
      if (problem) problems.push(src.problem([...at, 'params', name], problem, { atKey: true }));
      else
        fields.push(
          field(
            [...at, 'params', name],
            { key: name, param: name, coerce: param(name), required: false },
            raw,
          ),
        );
    }
    return spec.urlFrom === undefined
      ? { fixed: spec.fixed, fields }
      : { fixed: spec.fixed, fields, urlFrom: spec.urlFrom };
  };

  const seen = new Set<string>();
  const examples: RuleExample[] = [];
  const rules: CompiledRule[] = file.rules.map((rule, r) => {
    const name = rule.name.trim();
    if (seen.has(name)) problems.push(src.problem(['rules', r, 'name'], `duplicate rule name "${name}"`));
    seen.add(name);
    rule.examples?.forEach((ex, index) => {
      const { line, column } = src.problem(['rules', r, 'examples', index], '');
      examples.push({
        rule: name,
        index,
        given: ex.given,
        line,
        column,
        ...(ex.expect ? { expect: ex.expect } : {}),
        ...(ex.error ? { error: ex.error } : {}),
      });
    });
    const tracks = rule.track.map((t, i) => track(['rules', r, 'track', i], t));
    return rule.when === undefined
      ? { name, tracks }
      : { name, tracks, when: value(['rules', r, 'when'], rule.when) };
  });

  const optional = (key: 'id' | 'time', raw: string | undefined) =>
    raw === undefined ? {} : { [key]: value([key], raw) };
  return createSource({
    name: file.source,
    file: src.file,
    auth: normaliseAuth(file.auth),
    destination: file.destination ?? 'default',
    site: value(['site'], file.site),
    ...optional('id', file.id),
    ...optional('time', file.time),
    ...(file.visitor?.key === undefined ? {} : { visitorKey: value(['visitor', 'key'], file.visitor.key) }),
    ...(file.visitor?.browserId === undefined
      ? {}
      : { browserId: value(['visitor', 'browserId'], file.visitor.browserId) }),
    rules,
    examples,
  });
}

/** Where inside the scalar's source text the JSONata error is, so the column points at it. */
function exprOffset(src: YamlSource, path: DataPath, e: ExpressionSyntaxError): number {
  const scalar = src.scalarSource(path);
  if (!scalar) return 0;
  const open = scalar.text.indexOf('{%');
  return open < 0 ? 0 : open + 2 + Math.max(e.position - 1, 0);
}

/** The auth block with defaults filled in; the schema guarantees exactly one scheme. */
export function normaliseAuth(auth: RuleFile['auth']): AuthConfig {
  if (auth.stripe)
    return { scheme: 'stripe', secret: auth.stripe.secret, tolerance: auth.stripe.tolerance ?? 300 };
  if (auth.github) return { scheme: 'github', secret: auth.github.secret };
  if (auth.shopify) return { scheme: 'shopify', secret: auth.shopify.secret };
  const sw = auth['standard-webhooks'];
  if (sw) return { scheme: 'standard-webhooks', secret: sw.secret, tolerance: sw.tolerance ?? 300 };
  if (auth.hmac) {
    const h = auth.hmac;
    return {
      scheme: 'hmac',
      secret: h.secret,
      header: h.header,
      algorithm: h.algorithm ?? 'sha256',
      encoding: h.encoding ?? 'hex',
      prefix: h.prefix ?? '',
      tolerance: h.tolerance ?? 300,
      ...(h.timestampHeader === undefined ? {} : { timestampHeader: h.timestampHeader }),
    };
  }
  return { scheme: 'api-key', secrets: auth['api-key']?.secrets ?? [] };
}
