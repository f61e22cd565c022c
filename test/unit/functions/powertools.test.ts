import { describe, expect, it } from 'vitest';
import { powertoolsSettingsFromEnv } from '../../../functions/shared/powertools.ts';

describe('powertoolsSettingsFromEnv', () => {
  it("reads POWERTOOLS_METRICS_DISABLED with Powertools' spellings of true and false", () => {
    expect(powertoolsSettingsFromEnv({ POWERTOOLS_METRICS_DISABLED: 'true' })).toEqual({
      metricsDisabled: true,
    });
    expect(powertoolsSettingsFromEnv({ POWERTOOLS_METRICS_DISABLED: ' Yes ' })).toEqual({
      metricsDisabled: true,
    });
    expect(powertoolsSettingsFromEnv({ POWERTOOLS_METRICS_DISABLED: '0' })).toEqual({
      metricsDisabled: false,
    });
    expect(powertoolsSettingsFromEnv({ POWERTOOLS_METRICS_DISABLED: 'maybe' })).toEqual({});
  });

  it('takes the log level from POWERTOOLS_LOG_LEVEL, else LOG_LEVEL, and leaves out one Powertools lacks', () => {
    expect(powertoolsSettingsFromEnv({ POWERTOOLS_LOG_LEVEL: 'warn', LOG_LEVEL: 'DEBUG' })).toEqual({
      logLevel: 'WARN',
    });
    expect(powertoolsSettingsFromEnv({ POWERTOOLS_LOG_LEVEL: '', LOG_LEVEL: 'debug' })).toEqual({
      logLevel: 'DEBUG',
    });
    expect(powertoolsSettingsFromEnv({ POWERTOOLS_LOG_LEVEL: 'LOUD' })).toEqual({});
    expect(powertoolsSettingsFromEnv({})).toEqual({});
  });
});
