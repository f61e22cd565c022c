import type { Command } from 'commander';
import type { CompiledSource, MapResult } from '../rules/index.ts';
import type { QueuedRequest } from '../tracking/queued-request.ts';
import { CliInputError } from './errors.ts';
import { describeFailure } from './failure.ts';
import type { CliIo, ExitCode } from './io.ts';
import { type DestinationFlags, loadRules, readEventFile } from './load.ts';

/** Options of `taglane preview`. */
export interface PreviewOptions extends DestinationFlags {
  readonly rules: string;
  readonly json: boolean;
  /** When the event is taken to be received, unix ms; the default event time. */
  readonly receivedAt?: number;
}

/**
 * `taglane preview [--rules DIR] SOURCE EVENT.json [--json]`: maps one event with the source's
 * rules and shows which rules matched and the Matomo requests it produces. With `json`, stdout
 * is exactly a JSON array of the requests' parameters, string-valued as Matomo receives them.
 * For an api-key source the file may hold an array of events, as `POST /events` accepts.
 */
export async function previewCommand(
  sourceName: string,
  eventFile: string,
  options: PreviewOptions,
  io: CliIo,
): Promise<ExitCode> {
  try {
    const ruleSet = await loadRules(options.rules, options);
    const source = ruleSet.sources.get(sourceName);
    if (source === undefined) {
      const known = [...ruleSet.sources.keys()].sort().join(', ') || 'none';
      throw new CliInputError(`unknown source "${sourceName}" in ${options.rules} (sources: ${known})`);
    }
    const { event, digest } = await readEventFile(eventFile);
    // POST /events takes one event or an array of them; webhooks always send one.
    const events = Array.isArray(event) && source.auth.scheme === 'api-key' ? event : [event];
    const receivedAt = options.receivedAt ?? Date.now();
    const params: Record<string, string>[] = [];
    const blocks: string[] = [];
    for (const [i, one] of events.entries()) {
      const fallbackId = events.length === 1 ? digest.slice(0, 32) : `${digest.slice(0, 32)}#${i}`;
      const eventId = (await source.eventId(one)) ?? fallbackId;
      const result = await source.map(one, { eventId, receivedAt });
      params.push(...result.requests.map((r) => r.params));
      blocks.push(renderPreview(source, eventId, result));
    }
    io.out(options.json ? JSON.stringify(params, null, 2) : blocks.join('\n\n'));
    return 0;
  } catch (error) {
    return describeFailure(error, io);
  }
}

/** The human-readable preview: matched rules, then each request's parameters, one per line. */
export function renderPreview(source: CompiledSource, eventId: string, result: MapResult): string {
  if (result.matched.length === 0) {
    return `${source.name} event ${eventId}: no rule matched; the event would be acknowledged and ignored`;
  }
  const lines = [
    `${source.name} event ${eventId}: matched ${result.matched.map((m) => `"${m}"`).join(', ')}`,
    `${result.requests.length} Matomo ${result.requests.length === 1 ? 'request' : 'requests'}:`,
  ];
  for (const request of result.requests) lines.push('', ...renderRequest(request));
  return lines.join('\n');
}

function renderRequest(request: QueuedRequest): string[] {
  const browser = request.visitor.browserId === undefined ? '' : `, browser ${request.visitor.browserId}`;
  const head = `#${request.index} rule "${request.rule}" -> ${request.destination}, visitor ${request.visitor.key}${browser}`;
  const names = Object.keys(request.params);
  const width = Math.max(...names.map((n) => n.length));
  return [head, ...names.map((name) => `  ${name.padEnd(width)}  ${request.params[name] ?? ''}`)];
}

/** Registers `preview` on the program; the exit code goes to `setExit`. */
export function registerPreviewCommand(program: Command, io: CliIo, setExit: (code: ExitCode) => void): void {
  program
    .command('preview')
    .description('Show which rules an event matches and the Matomo requests it produces')
    .argument('<source>', 'source name (the `source:` of a rule file)')
    .argument('<event>', 'event JSON file')
    .option('--rules <dir>', 'rule set directory', 'rules')
    .option('--json', 'print only a JSON array of the requests, parameter -> string value', false)
    .option('--destinations <file>', 'destinations.yaml (default: ./destinations.yaml if present)')
    .option('--env <name>', 'environment of destinations.yaml whose site ids apply')
    .action(async (source: string, event: string, opts: PreviewOptions) => {
      setExit(await previewCommand(source, event, opts, io));
    });
}
