import { isIP } from 'node:net';
import { FieldError } from './errors.ts';
import { coerceValue, type EvalScope, type Reader } from './evaluate.ts';
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

const NO_DEVICE: DeviceParams = {};

/** Reads an event's device parameters; an absent or empty value is left out. */
export function readDevice(parts: DeviceParts | undefined, reader: Reader, scope: EvalScope): DeviceParams {
  if (parts === undefined || (!parts.ip && !parts.userAgent && !parts.language)) return NO_DEVICE;
  const out: Partial<Record<'cip' | 'ua' | 'lang', string>> = {};
  const read = (
    accessor: Accessor | undefined,
    field: string,
    coerce: (raw: unknown) => string | undefined,
  ) =>
    accessor === undefined
      ? undefined
      : coerceValue(coerce, reader.read(accessor, scope, field), scope, field);
  const cip = read(parts.ip, 'visitor.ip', ipAddress);
  const ua = read(parts.userAgent, 'visitor.userAgent', optionalText);
  const lang = read(parts.language, 'visitor.language', optionalText);
  if (cip !== undefined) out.cip = cip;
  if (ua !== undefined) out.ua = ua;
  if (lang !== undefined) out.lang = lang;
  return out;
}

function optionalText(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw new FieldError('expected a string', raw);
  return raw.trim() === '' ? undefined : raw.trim();
}

/** An IPv4 or IPv6 address, so a typo is refused here rather than recorded as a location. */
function ipAddress(raw: unknown): string | undefined {
  const value = optionalText(raw);
  if (value === undefined) return undefined;
  if (isIP(value) === 0) throw new FieldError('expected an IPv4 or IPv6 address', raw);
  return value;
}
