/** A log port that both `IngestLogger` and `BatcherLog` accept. */
export interface TerminalLog {
  info(message: string, attributes?: Readonly<Record<string, unknown>>): void;
  warn(message: string, attributes?: Readonly<Record<string, unknown>>): void;
  error(message: string, attributes?: Readonly<Record<string, unknown>>): void;
}

/**
 * The handlers' log port for a terminal: one readable line per entry
 * (`ingest   event accepted  source=app requests=1`) instead of Lambda's JSON lines. The
 * handlers never log secret values, so printing every attribute is safe.
 */
export function terminalLog(component: string, print: (line: string) => void): TerminalLog {
  const line =
    (level: string) =>
    (message: string, attributes: Readonly<Record<string, unknown>> = {}): void => {
      const fields = Object.entries(attributes)
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      print(`${component.padEnd(8)} ${level}${message}${fields === '' ? '' : `  ${fields}`}`);
    };
  return { info: line(''), warn: line('WARN '), error: line('ERROR ') };
}
