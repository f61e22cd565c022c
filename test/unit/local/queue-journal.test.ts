import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalWriter } from '../../../src/local/journal-writer.ts';
import {
  type JournaledMessage,
  QueueJournalError,
  readJournal,
  writeJournal,
} from '../../../src/local/queue-journal.ts';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'taglane-journal-'));
  path = join(dir, 'queue.journal');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const message = (id: string, queue: JournaledMessage['queue'] = 'requests'): JournaledMessage => ({
  op: 'send',
  queue,
  id,
  body: JSON.stringify({ id: `request-${id}` }),
  attributes: { source: { DataType: 'String', StringValue: 'app' } },
});
const line = (value: unknown): string => `${JSON.stringify(value)}\n`;

describe('readJournal', () => {
  it('reads a missing journal as empty', async () => {
    expect(await readJournal(join(dir, 'nothing-here'))).toEqual([]);
  });

  it('returns the messages sent and never deleted, in the order they were sent', async () => {
    await writeFile(
      path,
      [message('a'), message('b'), { op: 'done', id: 'a' }, message('c', 'dead-letters')].map(line).join(''),
    );
    expect(await readJournal(path)).toEqual([message('b'), message('c', 'dead-letters')]);
  });

  it('skips a last line torn by a crash mid-write', async () => {
    const whole = line(message('a')) + line(message('b'));
    await writeFile(path, `${whole}${line(message('c')).slice(0, 25)}`);
    expect((await readJournal(path)).map((m) => m.id)).toEqual(['a', 'b']);
    // Some file systems leave zeros where the unsynced tail was.
    await writeFile(path, `${whole}\0\0\0\0\n\0\0`);
    expect((await readJournal(path)).map((m) => m.id)).toEqual(['a', 'b']);
  });

  it('refuses a damaged line in the middle, naming file and line, rather than lose what follows', async () => {
    await writeFile(path, `${line(message('a'))}{"op":"send","queue":"requests"\n${line(message('b'))}`);
    const read = readJournal(path);
    await expect(read).rejects.toThrow(QueueJournalError);
    await expect(read).rejects.toThrow(`${path}:2:`);
  });

  it('refuses an entry of an unknown shape the same way', async () => {
    await writeFile(
      path,
      `${line({ op: 'send', queue: 'elsewhere', id: 'x', body: '' })}${line(message('a'))}`,
    );
    await expect(readJournal(path)).rejects.toThrow(`${path}:1:`);
  });
});

describe('writeJournal', () => {
  it('replaces the journal with exactly the given messages and leaves no temporary file', async () => {
    await writeFile(path, line(message('old')));
    await writeJournal(path, [message('x'), message('y', 'dead-letters')]);
    expect(await readJournal(path)).toEqual([message('x'), message('y', 'dead-letters')]);
    expect(await readdir(dir)).toEqual(['queue.journal']);
  });
});

describe('JournalWriter', () => {
  it('has every entry of concurrent appends on disk once each append resolved', async () => {
    const writer = await JournalWriter.open(path);
    const ids = Array.from({ length: 40 }, (_, n) => `m${n}`);
    await Promise.all(ids.map((id) => writer.append([message(id)])));
    await writer.append([{ op: 'done', id: 'm3' }]);
    const live = (await readJournal(path)).map((m) => m.id);
    expect(live).toHaveLength(39);
    expect(new Set(live)).toEqual(new Set(ids.filter((id) => id !== 'm3')));
    await writer.close();
  });

  it('appends after what an earlier run wrote', async () => {
    await writeFile(path, line(message('earlier')));
    const writer = await JournalWriter.open(path);
    await writer.append([message('later')]);
    await writer.close();
    expect((await readJournal(path)).map((m) => m.id)).toEqual(['earlier', 'later']);
  });

  it('rewrites the file once every message was deleted: delivered ones leave the disk', async () => {
    const writer = await JournalWriter.open(path);
    await writer.append([message('a'), message('b')]);
    await writer.append([{ op: 'done', id: 'a' }]);
    expect((await readFile(path, 'utf8')).split('\n')).toHaveLength(4);
    // The delete is acknowledged first; the rewrite follows before the next write.
    await writer.append([{ op: 'done', id: 'b' }]);
    await writer.append([message('c')]);
    expect(await readFile(path, 'utf8')).toBe(line(message('c')));
    await writer.append([{ op: 'done', id: 'c' }]);
    await writer.close();
    expect(await readFile(path, 'utf8')).toBe('');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['queue.journal']);
  });

  it('compacts after compactAfter deletes, keeping every live message in order, appends racing it', async () => {
    await writeFile(path, line(message('earlier')));
    const writer = await JournalWriter.open(path, { compactAfter: 3 });
    const ids = Array.from({ length: 30 }, (_, n) => `m${n}`);
    await writer.append(ids.map((id) => message(id)));
    // Deletes and sends in flight together: some are written while a compaction runs.
    const deleted = ids.filter((_, n) => n % 3 !== 0);
    await Promise.all([
      ...deleted.map((id) => writer.append([{ op: 'done', id }])),
      ...['x', 'y', 'z'].map((id) => writer.append([message(id)])),
    ]);
    await writer.close();
    const expected = ['earlier', ...ids.filter((id) => !deleted.includes(id)), 'x', 'y', 'z'];
    expect((await readJournal(path)).map((m) => m.id).sort()).toEqual(expected.sort());
    // Compacted: far fewer lines than the 30 sends, 20 deletes and 3 sends appended.
    expect((await readFile(path, 'utf8')).trim().split('\n').length).toBeLessThan(expected.length + 3);
  });

  it('rejects appends once a write failed, so no later entry is acknowledged after a torn one', async () => {
    const writer = await JournalWriter.open(path);
    await writer.close();
    await expect(writer.append([message('a')])).rejects.toThrow();
    await appendFile(path, '');
    await expect(writer.append([message('b')])).rejects.toThrow();
    expect(await readFile(path, 'utf8')).toBe('');
  });
});
