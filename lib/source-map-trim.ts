import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of a version 3 source map this module reads and writes. */
export interface SourceMapV3 {
  readonly version: 3;
  readonly sources: readonly string[];
  readonly names: readonly string[];
  readonly mappings: string;
  readonly sourcesContent?: readonly (string | null)[];
  readonly [key: string]: unknown;
}

/** One decoded segment: generated column, then source, line, column and name (absolute). */
type Segment = readonly [number, number?, number?, number?, number?];

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/**
 * Keeps the mappings of the sources `keep` accepts and drops the others (with their sources,
 * names and any `sourcesContent`). A dropped stretch of generated code becomes unmapped, not
 * part of the mapping before it, so a frame there keeps its bundle position instead of
 * pointing at the wrong file.
 *
 * Why: Node with `--enable-source-maps` reads and decodes the whole map at every cold start, and
 * nine tenths of the ingest bundle's map is the AWS SDK's and other packages' code, whose frames
 * rarely explain a failure. Frames in Taglane's own code still map to file, line and name.
 */
export function trimSourceMap(map: SourceMapV3, keep: (source: string) => boolean): SourceMapV3 {
  const sourceIndex = new Map<number, number>();
  const nameIndex = new Map<number, number>();
  const sources: string[] = [];
  const names: string[] = [];
  const lines = decodeMappings(map.mappings).map((line) => {
    const out: Segment[] = [];
    for (const seg of line) {
      const [column, source, origLine, origColumn, name] = seg;
      const kept = source !== undefined && keep(map.sources[source] ?? '');
      if (!kept || origLine === undefined || origColumn === undefined) {
        // Ends the mapping before it; two unmapped segments in a row say nothing more.
        if (out.length > 0 && out.at(-1)?.length !== 1) out.push([column]);
        continue;
      }
      const s = indexOf(sourceIndex, sources, source, map.sources);
      if (name === undefined) out.push([column, s, origLine, origColumn]);
      else out.push([column, s, origLine, origColumn, indexOf(nameIndex, names, name, map.names)]);
    }
    return out;
  });
  const { sourcesContent: _dropped, ...rest } = map;
  return { ...rest, version: 3, sources, names, mappings: encodeMappings(lines) };
}

function indexOf(index: Map<number, number>, list: string[], old: number, from: readonly string[]): number {
  let at = index.get(old);
  if (at === undefined) {
    at = list.push(from[old] ?? '') - 1;
    index.set(old, at);
  }
  return at;
}

/** Decodes `mappings` into absolute segments per generated line. */
export function decodeMappings(mappings: string): Segment[][] {
  const state = [0, 0, 0, 0, 0];
  return mappings.split(';').map((line) => {
    state[0] = 0;
    if (line === '') return [];
    return line.split(',').map((text) => {
      const fields = decodeVlq(text);
      fields.forEach((delta, i) => {
        state[i] = (state[i] ?? 0) + delta;
      });
      return state.slice(0, fields.length) as unknown as Segment;
    });
  });
}

/** Encodes absolute segments per generated line as `mappings`. */
export function encodeMappings(lines: readonly (readonly Segment[])[]): string {
  const state = [0, 0, 0, 0, 0];
  return lines
    .map((line) => {
      state[0] = 0;
      return line
        .map((seg) =>
          seg
            .map((value, i) => {
              const delta = (value ?? 0) - (state[i] ?? 0);
              state[i] = value ?? 0;
              return encodeVlq(delta);
            })
            .join(''),
        )
        .join(',');
    })
    .join(';');
}

function decodeVlq(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`invalid base64 VLQ character "${char}" in source map`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

function encodeVlq(delta: number): string {
  let value = delta < 0 ? (-delta << 1) | 1 : delta << 1;
  let out = '';
  do {
    let digit = value & 31;
    value >>>= 5;
    if (value > 0) digit |= 32;
    out += BASE64[digit];
  } while (value > 0);
  return out;
}

/** Taglane's own code: every source outside `node_modules`. */
export const isOwnSource = (source: string): boolean => !source.split(/[\\/]/).includes('node_modules');

/**
 * The shell command the bundling hooks run on a bundle's map: this file, run by the Node that
 * runs synth (through tsx, as `cdk` runs the app).
 */
export function trimSourceMapCommand(mapFile: string): string {
  const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
  return [process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), mapFile].map(quote).join(' ');
}

// `node --import tsx lib/source-map-trim.ts <map>`: trims the map in place.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: source-map-trim.ts <file.map>');
  const map = JSON.parse(readFileSync(file, 'utf8')) as SourceMapV3;
  writeFileSync(file, JSON.stringify(trimSourceMap(map, isOwnSource)));
}
