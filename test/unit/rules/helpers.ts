import {
  type CompiledSource,
  compileRuleSet,
  type MapResult,
  RuleSetError,
} from '../../../src/rules/index.ts';

/** A rule file header for tests: an api-key source named `app` on site 1. */
export const HEADER = `source: app
auth: { api-key: { secrets: [TAGLANE_API_KEY] } }
site: 1
`;

/** Compiles one rule file text and returns its only source. */
export function compileOne(text: string, path = 'rules/app.yaml'): CompiledSource {
  const set = compileRuleSet([{ path, text }]);
  const [source] = set.sources.values();
  if (!source) throw new Error('no source compiled');
  return source;
}

/** A file with the header and one rule tracking `track` (YAML flow or block text, indented). */
export function oneTrack(track: string, extra = ''): CompiledSource {
  return compileOne(`${HEADER}${extra}rules:\n  - name: r\n    track:\n      - ${track}\n`);
}

/** Fixed context: 2024-05-01T12:00:00Z received. */
export const CTX = { eventId: 'evt_1', receivedAt: Date.UTC(2024, 4, 1, 12) };

/** Maps an event and returns the params of each request. */
export async function paramsOf(source: CompiledSource, event: unknown): Promise<Record<string, string>[]> {
  const result: MapResult = await source.map(event, CTX);
  return result.requests.map((r) => r.params);
}

/** The formatted problems a rule file text produces (empty when it compiles). */
export function problemsOf(text: string, path = 'rules/app.yaml'): string[] {
  try {
    compileRuleSet([{ path, text }]);
    return [];
  } catch (e) {
    if (!(e instanceof RuleSetError)) throw e;
    return e.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path}: ${p.message}`);
  }
}
