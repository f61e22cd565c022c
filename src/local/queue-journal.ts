import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

/** The local queues the journal keeps: the tracking-request queue and its dead-letter queue. */
export type JournaledQueue = 'requests' | 'dead-letters';

const Attribute = z.strictObject({
  DataType: z.string(),
  StringValue: z.string().optional(),
  /** Base64, since the journal is text. */
  BinaryValue: z.string().optional(),
});

const SendRecord = z.strictObject({
  op: z.literal('send'),
  queue: z.enum(['requests', 'dead-letters']),
  id: z.string().min(1),
  body: z.string(),
  attributes: z.record(z.string(), Attribute).optional(),
});

const DoneRecord = z.strictObject({ op: z.literal('done'), id: z.string().min(1) });

const JournalRecord = z.discriminatedUnion('op', [SendRecord, DoneRecord]);

/** A message accepted by a local queue: everything needed to send it again after a restart. */
export type JournaledMessage = z.infer<typeof SendRecord>;
/** One line of the journal: a message accepted by a queue, or one deleted from it. */
export type JournalEntry = z.infer<typeof JournalRecord>;

/**
 * Mode of the journal file: owner only, whatever the umask. It holds every queued request with
 * its raw visitor key (the batcher needs the key itself to look up the visitor, as on SQS).
 */
export const JOURNAL_MODE = 0o600;

/** Thrown when a journal line other than a torn tail cannot be read: the journal is damaged. */
export class QueueJournalError extends Error {
  override readonly name = 'QueueJournalError';
}

/**
 * Reads a journal and returns the messages that were accepted and never deleted, in the order
 * they were accepted. A missing file is an empty journal. The last line may be torn (the process
 * died while writing it): that write was never acknowledged, so it is skipped. Any other line
 * that does not parse throws with `file:line`, because skipping it could lose a message.
 */
export async function readJournal(path: string): Promise<JournaledMessage[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n');
  const live = new Map<string, JournaledMessage>();
  let bad: number | undefined;
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const entry = parseLine(line);
    if (entry === undefined) {
      bad ??= index + 1;
      continue;
    }
    if (bad !== undefined) {
      throw new QueueJournalError(`${path}:${bad}: unreadable journal line followed by valid ones`);
    }
    if (entry.op === 'send') live.set(entry.id, entry);
    else live.delete(entry.id);
  }
  return [...live.values()];
}

function parseLine(line: string): JournalEntry | undefined {
  try {
    const parsed = JournalRecord.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Replaces the journal with `messages` (a compaction): written to a temporary file, synced,
 * then renamed over the old one, so a crash leaves either the old or the new journal whole.
 */
export async function writeJournal(path: string, messages: readonly JournaledMessage[]): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeSynced(temporary, messages);
  await rename(temporary, path);
  await syncDirectory(dirname(path));
}

/** Writes `messages` as a journal file at `path` (owner-only) and syncs it to disk. */
export async function writeSynced(path: string, messages: Iterable<JournaledMessage>): Promise<void> {
  const file = await open(path, 'w', JOURNAL_MODE);
  try {
    // A temporary file left by a crash keeps its old mode through 'w': set it either way.
    await file.chmod(JOURNAL_MODE);
    await file.writeFile([...messages].map((m) => `${JSON.stringify(m)}\n`).join(''));
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Syncs a directory, so a rename in it survives a power cut. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
