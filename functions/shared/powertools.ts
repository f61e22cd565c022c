import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import type { Env } from './secret-source.ts';

/**
 * How the handlers' Powertools Logger and Metrics behave, when the environment they are given
 * is not `process.env` (`taglane serve`'s `env` option): Powertools reads only `process.env`,
 * so the handler factories apply these themselves. Without them Powertools reads it as on AWS.
 */
export interface PowertoolsSettings {
  /**
   * `POWERTOOLS_METRICS_DISABLED` is true: no EMF line is written. `false` cannot turn metrics
   * back on that `process.env` turns off: Powertools Metrics takes that flag from there alone.
   * @default what Powertools reads from `process.env`
   */
  readonly metricsDisabled?: boolean;
  /**
   * `POWERTOOLS_LOG_LEVEL` (or `LOG_LEVEL`): the Logger's level, whatever `process.env` says.
   * @default what Powertools reads from `process.env`
   */
  readonly logLevel?: LogLevel;
}

// Powertools' own spellings (commons' getBooleanFromEnv with extendedParsing, Logger's levels).
const TRUE = new Set(['1', 'y', 'yes', 't', 'true', 'on']);
const FALSE = new Set(['0', 'n', 'no', 'f', 'false', 'off']);
const LEVELS = new Set(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']);

/**
 * The Powertools variables of `env`, read as Powertools reads them from `process.env`. A value
 * Powertools would not understand is left out, so Powertools' own default applies, as it would.
 *
 * @example
 * createBatcherHandler(deps, powertoolsSettingsFromEnv({ POWERTOOLS_METRICS_DISABLED: 'true' }));
 */
export function powertoolsSettingsFromEnv(env: Env): PowertoolsSettings {
  const disabled = env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase();
  const level = (env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL)?.trim().toUpperCase();
  return {
    ...(disabled !== undefined && TRUE.has(disabled) ? { metricsDisabled: true } : {}),
    ...(disabled !== undefined && FALSE.has(disabled) ? { metricsDisabled: false } : {}),
    ...(level !== undefined && LEVELS.has(level) ? { logLevel: level as LogLevel } : {}),
  };
}
