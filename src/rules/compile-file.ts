import { type CompileScope, compileTrack, valueAt } from './compile-track.ts';
import { compileDevice } from './device.ts';
import type { CompiledTrack } from './evaluate.ts';
import type { Accessor } from './expression.ts';
import type { RuleFile } from './schema.ts';
import type { TrackInput } from './schema-tracks.ts';
import { type CompiledRule, createSource } from './source.ts';
import { type CompiledTarget, compileTargets, IMPLICIT_CATALOG, type TargetLevel } from './targets.ts';
import type { AuthConfig, CompiledSource, RuleExample } from './types.ts';
import type { DataPath } from './yaml-source.ts';

/** Compiles one schema-valid rule file, adding every problem found to `problems`. */
export function compileFile(scope: CompileScope, file: RuleFile): CompiledSource {
  const { src, problems } = scope;
  const value = (raw: unknown): Accessor => valueAt(scope, raw);
  const track = (path: DataPath, input: TrackInput): CompiledTrack => compileTrack(scope, path, input);

  const catalog = scope.options.targets ?? IMPLICIT_CATALOG;
  const fileLevel: TargetLevel = { path: [], destination: file.destination, site: file.site };
  const fileTargets = compileTargets(scope, [fileLevel], catalog);
  // One destination and a site id or expression: every track without its own targets shares
  // the site read once per event, as before destinations existed.
  const plain =
    !Array.isArray(file.destination) &&
    (typeof file.site === 'number' || isExpressionText(file.site)) &&
    fileTargets.every((t) => t.visitorScope === undefined);
  const targetsOf = (levels: TargetLevel[]): CompiledTarget[] | undefined => {
    if (levels.every((l) => l.destination === undefined && l.site === undefined)) {
      return plain ? undefined : fileTargets;
    }
    return uniqueProblems(scope, (inner) => compileTargets(inner, [fileLevel, ...levels], catalog));
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
    const ruleLevel: TargetLevel = { path: ['rules', r], destination: rule.destination, site: rule.site };
    const targets = rule.track.map((t, i) =>
      targetsOf([ruleLevel, { path: ['rules', r, 'track', i], destination: t.destination, site: t.site }]),
    );
    const routed = targets.some((t) => t !== undefined) ? { targets } : {};
    return rule.when === undefined
      ? { name, tracks, ...routed }
      : { name, tracks, ...routed, when: value(rule.when) };
  });

  const optional = (key: 'id' | 'time' | 'challenge', raw: string | undefined) =>
    raw === undefined ? {} : { [key]: value(raw) };
  return createSource({
    name: file.source,
    file: src.file,
    auth: normaliseAuth(file.auth),
    destination: fileTargets[0]?.destination ?? 'default',
    ...(plain ? { site: value(file.site) } : {}),
    ...optional('id', file.id),
    ...optional('challenge', file.challenge),
    ...optional('time', file.time),
    ...(file.visitor?.key === undefined ? {} : { visitorKey: value(file.visitor.key) }),
    ...(file.visitor?.browserId === undefined ? {} : { browserId: value(file.visitor.browserId) }),
    ...(file.visitor?.anonymousId === undefined ? {} : { anonymousId: value(file.visitor.anonymousId) }),
    ...(file.visitor === undefined ? {} : { device: compileDevice(file.visitor, value) }),
    rules,
    examples,
  });
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
    const timed = h.timestampHeader !== undefined || h.parse?.timestamp !== undefined;
    return {
      scheme: 'hmac',
      secrets: h.secrets ?? (h.secret === undefined ? [] : [h.secret]),
      header: h.header,
      algorithm: h.algorithm ?? 'sha256',
      encoding: h.encoding ?? 'hex',
      prefix: h.prefix ?? '',
      signed: h.signed ?? (timed ? '{timestamp}.{body}' : '{body}'),
      tolerance: h.tolerance ?? 300,
      ...(h.timestampHeader === undefined ? {} : { timestampHeader: h.timestampHeader }),
      ...(h.parse === undefined
        ? {}
        : {
            parse: {
              separator: h.parse.separator ?? ',',
              signature: h.parse.signature,
              ...(h.parse.timestamp === undefined ? {} : { timestamp: h.parse.timestamp }),
            },
          }),
    };
  }
  if (auth.segment) return { scheme: 'segment', secrets: auth.segment.secrets };
  return { scheme: 'api-key', secrets: auth['api-key']?.secrets ?? [] };
}

function isExpressionText(raw: unknown): boolean {
  return typeof raw === 'string' && raw.startsWith('{%');
}

/** Runs `compile` with its own problem list and keeps only problems not reported already. */
function uniqueProblems<T>(scope: CompileScope, compile: (inner: CompileScope) => T): T {
  const inner: CompileScope = { ...scope, problems: [] };
  const result = compile(inner);
  const known = new Set(scope.problems.map((p) => `${p.line}:${p.column}:${p.message}`));
  for (const p of inner.problems)
    if (!known.has(`${p.line}:${p.column}:${p.message}`)) scope.problems.push(p);
  return result;
}
