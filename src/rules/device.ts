import { isIP } from 'node:net';
import type { RequestWarning } from '../tracking/queued-request.ts';
import type { EvalScope, Reader } from './evaluate.ts';
import type { Accessor } from './expression.ts';

/**
 * Where a rule file reads the person's device from: `visitor.ip`, `visitor.userAgent`,
 * `visitor.language`. Matomo builds its visit fingerprint (and the Locations and Devices
 * reports) from these; without them every server-side request carries the sender's.
 */
export interface DeviceParts {
  readonly ip?: Accessor;
  readonly userAgent?: Accessor;
  readonly language?: Accessor;
}

/** The device parameters of one event, as Matomo receives them (`cip`, `ua`, `lang`). */
export type DeviceParams = Readonly<Partial<Record<'cip' | 'ua' | 'lang', string>>>;

/** Compiles the device part of a rule file's `visitor` block. */
export function compileDevice(
  visitor: {
    readonly ip?: string | undefined;
    readonly userAgent?: string | undefined;
    readonly language?: string | undefined;
  },
  value: (raw: string) => Accessor,
): DeviceParts {
  return {
    ...(visitor.ip === undefined ? {} : { ip: value(visitor.ip) }),
    ...(visitor.userAgent === undefined ? {} : { userAgent: value(visitor.userAgent) }),
    ...(visitor.language === undefined ? {} : { language: value(visitor.language) }),
  };
}

/** An event's device parameters and the optional values that had to be left out. */
export interface ReadDevice {
  readonly params: DeviceParams;
  readonly warnings: readonly RequestWarning[];
}

const NO_DEVICE: ReadDevice = { params: {}, warnings: [] };

const FIELDS = [
  ['ip', 'cip', 'visitor.ip'],
  ['userAgent', 'ua', 'visitor.userAgent'],
  ['language', 'lang', 'visitor.language'],
] as const;

/**
 * Reads an event's device parameters. All are optional: an absent or empty value is left out,
 * and one that is not usable (an IP that is no IPv4 or IPv6 address, a number as a User-Agent)
 * is dropped with a warning, so the event is still recorded.
 */
export function readDevice(parts: DeviceParts | undefined, reader: Reader, scope: EvalScope): ReadDevice {
  if (parts === undefined || (!parts.ip && !parts.userAgent && !parts.language)) return NO_DEVICE;
  const params: Partial<Record<'cip' | 'ua' | 'lang', string>> = {};
  const warnings: RequestWarning[] = [];
  for (const [part, param, field] of FIELDS) {
    const accessor = parts[part];
    if (accessor === undefined) continue;
    const raw = reader.read(accessor, scope, field);
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) continue;
    const problem =
      typeof raw !== 'string'
        ? 'dropped: expected a string'
        : part === 'ip' && isIP(raw.trim()) === 0
          ? 'dropped: expected an IPv4 or IPv6 address'
          : undefined;
    if (problem === undefined) params[param] = (raw as string).trim();
    else warnings.push({ field, message: problem });
  }
  return { params, warnings };
}
