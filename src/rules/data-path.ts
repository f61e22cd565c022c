/** A path into the data of a rule file, as zod reports it. */
export type DataPath = readonly PropertyKey[];

/**
 * Formats a data path as `rules[2].track[0].order.revenue`. Apart from the YAML reader, so the
 * compiler's modules can name paths without loading the YAML parser (a deployed ingest compiles
 * prepared rules and never parses YAML).
 */
export function formatPath(path: DataPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}
