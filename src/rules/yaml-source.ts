import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import { type DataPath, formatPath } from './data-path.ts';
import type { RuleProblem } from './errors.ts';

// First defined here; the compiler's modules take them from data-path.ts, without the YAML parser.
export { type DataPath, formatPath } from './data-path.ts';

/** A parsed rule file that can turn data paths back into line and column. */
export interface YamlSource {
  readonly file: string;
  readonly data: unknown;
  /** YAML syntax problems; when non-empty, `data` is not trustworthy. */
  readonly syntaxProblems: RuleProblem[];
  /** A problem at `path`; `atKey` points at the key itself (for unknown keys). */
  problem(path: DataPath, message: string, options?: { atKey?: boolean; offset?: number }): RuleProblem;
  /** The source text of the scalar at `path`, if it is one. */
  scalarSource(path: DataPath): { text: string; start: number } | undefined;
}

/** How many alias resolutions a rule file may need; yaml's default, stated so the message can say it. */
const MAX_ALIAS_COUNT = 100;

/** Parses YAML keeping positions; syntax errors become problems instead of exceptions. */
export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): { line: number; column: number } => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const syntaxProblems: RuleProblem[] = doc.errors.map((e) => ({
    file,
    ...at(e.pos[0]),
    path: '',
    message: e.message.split('\n')[0] ?? e.message,
  }));
  let data: unknown;
  if (syntaxProblems.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      // yaml refuses aliases that expand exponentially (a "billion laughs" file) with a
      // ReferenceError that names no place: point at the first alias instead.
      if (!(error instanceof ReferenceError)) throw error;
      syntaxProblems.push({
        file,
        ...at(firstAliasOffset(doc)),
        path: '',
        message: `YAML aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT} alias resolutions): an alias bomb? Write the values out instead`,
      });
    }
  }
  return {
    file,
    data,
    syntaxProblems,
    problem(path, message, options) {
      const found = locate(doc, path, options?.atKey === true);
      return { file, ...at(found + (options?.offset ?? 0)), path: formatPath(path), message };
    },
    scalarSource(path) {
      const node = walk(doc, path).node;
      if (!isScalar(node) || !node.range) return undefined;
      return { text: text.slice(node.range[0], node.range[1]), start: node.range[0] };
    },
  };
}

interface Walked {
  /** The deepest node reached and the key node that led to it. */
  node: Node | null;
  key: Node | null;
  complete: boolean;
}

function walk(doc: Document, path: DataPath): Walked {
  let node: Node | null = doc.contents;
  let key: Node | null = null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) return { node, key, complete: false };
      key = isScalar(pair.key) ? pair.key : null;
      // `pageview:` with nothing after it has no value node; point at its key instead.
      node = (pair.value as Node | null) ?? key;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) return { node, key, complete: false };
      key = null;
      node = item;
    } else {
      return { node, key, complete: false };
    }
  }
  return { node, key, complete: true };
}

function locate(doc: Document, path: DataPath, atKey: boolean): number {
  const { node, key } = walk(doc, path);
  const target = atKey && key ? key : node;
  return target?.range?.[0] ?? 0;
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}
