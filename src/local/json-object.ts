/**
 * The JSON object (or array) `text` holds, or `undefined` for anything else: for reading queued
 * and dead-lettered message bodies, which may come from anywhere.
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
