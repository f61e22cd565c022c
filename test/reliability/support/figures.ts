/** Figures of one scenario run, printed for docs/reliability.md (`grep RELIABILITY`). */
export interface Figures {
  readonly injected: string;
  readonly sent: number;
  readonly recorded: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Seconds from the end of the fault to the last event recorded; absent when not applicable. */
  readonly recoverSeconds?: number;
  readonly [extra: string]: string | number | undefined;
}

/** Figures from per-event record counts (index = event number). */
export function countFigures(
  counts: readonly number[],
): Pick<Figures, 'sent' | 'recorded' | 'lost' | 'duplicated'> {
  return {
    sent: counts.length,
    recorded: counts.filter((c) => c > 0).length,
    lost: counts.filter((c) => c === 0).length,
    duplicated: counts.filter((c) => c > 1).length,
  };
}

/** Prints one line `RELIABILITY <scenario> {json}`; a test's figures, not its verdict. */
export function reportFigures(scenario: string, figures: Figures): void {
  process.stdout.write(`RELIABILITY ${scenario} ${JSON.stringify(figures)}\n`);
}

/** Seconds since `startMs`, to one decimal. */
export function secondsSince(startMs: number): number {
  return Math.round((Date.now() - startMs) / 100) / 10;
}
