import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildTaglaneApp } from '../../../lib/app.ts';
import type { TaglaneStack } from '../../../lib/taglane-stack.ts';

/** The repository root: real handlers, lock file and rules. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A synthesised Taglane app, as `cdk synth` builds it (nag checks included). */
export interface Synthesised {
  readonly app: App;
  readonly stack: TaglaneStack;
  readonly template: Template;
  /** The cloud assembly directory (bundles live in `asset.<hash>/`). */
  readonly outdir: string;
  /** Removes the cloud assembly. */
  dispose(): void;
}

/** Options of {@link synthTaglane}. */
export interface SynthOptions {
  /**
   * Run esbuild for the real handlers. Off, CDK's own switch (`aws:cdk:bundling-stacks: []`,
   * what `cdk synth --exclusively` uses) skips bundling; everything else is identical.
   */
  readonly bundle?: boolean;
  /** Keep CloudFormation's built-in template validation (seconds of WASM start-up). @default bundle */
  readonly cfnValidation?: boolean;
  /** Adds constructs to the stack before synth. */
  readonly extend?: (stack: TaglaneStack) => void;
}

/** Synth stopped by a validation plugin (cdk-nag); `report` is the assembly's report file. */
export class SynthValidationError extends Error {
  override readonly name = 'SynthValidationError';
  readonly report: string;

  constructor(message: string, report: string) {
    super(message);
    this.report = report;
  }
}

/**
 * Builds the app exactly as `bin/app.ts` does, from `context` (what cdk.json / `-c` give), and
 * synthesises it into a temporary directory. Throws what synth throws.
 */
export function synthTaglane(context: Record<string, unknown>, options: SynthOptions = {}): Synthesised {
  const outdir = mkdtempSync(join(tmpdir(), 'taglane-cdk-'));
  const bundle = options.bundle ?? false;
  const app = new App({
    outdir,
    builtinCloudFormationValidation: options.cfnValidation ?? bundle,
    context: { ...context, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  try {
    const stack = buildTaglaneApp(app, { projectRoot: REPO_ROOT });
    options.extend?.(stack);
    app.synth();
    return {
      app,
      stack,
      template: Template.fromStack(stack),
      outdir,
      dispose: () => rmSync(outdir, { recursive: true, force: true }),
    };
  } catch (error) {
    const reportFile = join(outdir, 'validation-report.json');
    const report = existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : undefined;
    rmSync(outdir, { recursive: true, force: true });
    if (report !== undefined) throw new SynthValidationError(String(error), report);
    throw error;
  }
}
