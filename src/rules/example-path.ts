import { realpath } from 'node:fs/promises';
import { isAbsolute, normalize, relative, resolve, sep } from 'node:path';

/**
 * Why an example's `given` may not be read, or `undefined` when it is a path inside the rule
 * directory. Examples are test payloads that travel with the rules: a rule file must not make
 * `taglane test` (or a CI job running it) read `/etc/passwd` or `../../secrets.json`.
 */
export function exampleGivenProblem(given: string): string | undefined {
  if (isAbsolute(given)) return 'expected a path relative to the rule file, not an absolute path';
  const normal = normalize(given);
  if (normal === '..' || normal.startsWith(`..${sep}`) || normal.startsWith('../')) {
    return 'expected a path inside the rule directory; ".." may not leave it';
  }
  return undefined;
}

/** Thrown when an example file resolves (through a symbolic link) outside the rule directory. */
export class ExampleOutsideError extends Error {
  override readonly name = 'ExampleOutsideError';
}

/**
 * The real path of an example's event file, checked to stay inside the directory of the rule
 * file once symbolic links are followed (links inside it, such as a ConfigMap's `..data`, are
 * fine).
 *
 * @throws {ExampleOutsideError} when it does not; the file's own errors (ENOENT) as they are.
 */
export async function resolveExampleFile(ruleDir: string, given: string): Promise<string> {
  const problem = exampleGivenProblem(given);
  if (problem !== undefined) throw new ExampleOutsideError(problem);
  const root = await realpath(ruleDir);
  const file = await realpath(resolve(ruleDir, given));
  const inside = relative(root, file);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw new ExampleOutsideError('it leads outside the rule directory (through a symbolic link)');
  }
  return file;
}
