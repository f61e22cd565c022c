import type { RuleSet } from '../../rules/index.ts';

/** Header names whose values authenticate a request: never shown, whatever they hold. */
const SENSITIVE_HEADER = /authorization|cookie|signature|secret|token|api-?key|hmac|password/i;

/** Secret values shorter than this are not searched for: they would blank ordinary text. */
const MIN_SECRET_LENGTH = 6;

/** What {@link Redactor} hides: secret values by name, and headers by name. */
export interface RedactorOptions {
  /** Secret name -> value, as the handlers see them. */
  readonly secrets: Readonly<Record<string, string | undefined>>;
  /** Further header names to hide (the `header:` of hmac sources). */
  readonly headers?: readonly string[];
}

/**
 * Hides secrets in what the debugger shows: authentication and signature headers by name,
 * and every known secret value wherever it appears (a key pasted into a body, a query
 * string). A hidden value becomes `[redacted]` or `[redacted NAME]`, so the reader knows
 * something was there and which secret it was.
 */
export class Redactor {
  readonly #values: readonly (readonly [string, string])[];
  readonly #headers: ReadonlySet<string>;

  constructor(options: RedactorOptions) {
    this.#values = Object.entries(options.secrets)
      .filter((pair): pair is [string, string] => (pair[1]?.length ?? 0) >= MIN_SECRET_LENGTH)
      // Longest first, so a secret that contains another is hidden whole.
      .sort((a, b) => b[1].length - a[1].length);
    this.#headers = new Set((options.headers ?? []).map((h) => h.toLowerCase()));
  }

  /** A copy of `headers` with authenticating headers and secret values hidden. */
  headers(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      const hide = SENSITIVE_HEADER.test(name) || this.#headers.has(name.toLowerCase());
      out[name] = hide ? '[redacted]' : this.text(value);
    }
    return out;
  }

  /**
   * Whether none of `texts` holds a known secret value, so each is shown as it is. One search
   * over them all; a secret found only across two of them is a false alarm (`false`), never a
   * miss.
   */
  hidesNone(texts: readonly string[]): boolean {
    if (this.#values.length === 0) return true;
    const all = texts.join('\n');
    return this.#values.every(([, value]) => !all.includes(value));
  }

  /** `text` with every known secret value hidden. */
  text(text: string): string {
    let out = text;
    for (const [name, value] of this.#values) {
      if (out.includes(value)) out = out.split(value).join(`[redacted ${name}]`);
    }
    return out;
  }
}

/** The secrets a rule set names, plus the ones the runtime itself holds. */
export function secretNames(ruleSet: RuleSet): string[] {
  const names = new Set(['MATOMO_TOKEN', 'TAGLANE_VISITOR_HMAC_KEY']);
  for (const source of ruleSet.sources.values()) {
    if ('secrets' in source.auth) for (const name of source.auth.secrets) names.add(name);
    else names.add(source.auth.secret);
  }
  return [...names];
}

/** The signature headers hmac sources name. */
export function signatureHeaders(ruleSet: RuleSet): string[] {
  const out: string[] = [];
  for (const source of ruleSet.sources.values())
    if (source.auth.scheme === 'hmac') out.push(source.auth.header);
  return out;
}

/**
 * A redactor for a rule set: the values of every secret it names (looked up in `env`), the
 * runtime's own, and the hmac sources' signature headers.
 */
export function redactorFor(ruleSet: RuleSet, env: Readonly<Record<string, string | undefined>>): Redactor {
  const secrets = Object.fromEntries(secretNames(ruleSet).map((name) => [name, env[name]]));
  return new Redactor({ secrets, headers: signatureHeaders(ruleSet) });
}
