import type { IngestLogger, IngestMetrics } from '../../../src/ingest/index.ts';

/** Log and metric sinks that keep what they are given, as CloudWatch would. */
export function sinks() {
  const lines: { level: string; message: string; attributes: unknown }[] = [];
  const counts: { name: string; value: number; dimensions: unknown }[] = [];
  const logger: IngestLogger = {
    info: (message, attributes) => lines.push({ level: 'info', message, attributes }),
    warn: (message, attributes) => lines.push({ level: 'warn', message, attributes }),
    error: (message, attributes) => lines.push({ level: 'error', message, attributes }),
  };
  const metrics: IngestMetrics = {
    count: (name, value, dimensions) => counts.push({ name, value, dimensions }),
  };
  return { lines, counts, logger, metrics };
}
