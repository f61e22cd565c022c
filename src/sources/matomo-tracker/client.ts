import { BlockList, isIP } from 'node:net';

/**
 * The browser's address: API Gateway's source address, unless that is a trusted proxy; then
 * `X-Forwarded-For` is read from the right, skipping trusted hops, and the first other address
 * is the client. A browser that sends its own `X-Forwarded-For` straight to us is not believed,
 * and a malformed entry stops the walk at the last address known good.
 */
export function clientAddress(
  sourceIp: string,
  forwardedFor: string | undefined,
  trusted: readonly string[],
): string {
  if (trusted.length === 0 || forwardedFor === undefined) return sourceIp;
  const list = trustedList(trusted);
  let client = sourceIp;
  const hops = forwardedFor.split(',').map((h) => h.trim());
  while (isTrusted(list, client)) {
    const next = hops.pop();
    if (next === undefined || isIP(next) === 0) break;
    client = next;
  }
  return client;
}

function trustedList(trusted: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of trusted) {
    const [address = '', bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Zeroes the last `bytes` bytes of an IPv4 address, as Matomo's IP anonymisation does; for
 * IPv6 the same level zeroes 8, 10, 12 or 16 bytes (Matomo's own masks stop at the /64).
 * Anything that is not an address becomes `0.0.0.0` rather than passing unmasked.
 */
export function anonymiseAddress(address: string, bytes: number): string {
  if (bytes === 0) return address;
  const family = isIP(address);
  if (family === 4) {
    const parts = address.split('.');
    return parts.map((p, i) => (i >= 4 - bytes ? '0' : p)).join('.');
  }
  if (family !== 6) return '0.0.0.0';
  const groups = expandIpv6(address);
  const zeroBytes = [0, 8, 10, 12, 16][bytes] ?? 16;
  const keep = 8 - zeroBytes / 2;
  return groups.map((g, i) => (i >= keep ? '0' : g)).join(':');
}

/** The eight groups of an IPv6 address (an embedded IPv4 tail becomes two groups). */
function expandIpv6(address: string): string[] {
  let text = address.toLowerCase().split('%')[0] ?? '';
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = v4[1].split('.').map(Number);
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => g.replace(/^0+(?=.)/, ''));
}

/**
 * An `Accept-Language` header as Matomo reads its own (core/Common.php `getBrowserLanguage`):
 * lower case, `_` as `-`, without spaces, comments, q-values or a charset. Matomo normalises the
 * header but takes a `lang` parameter as sent, and its country guess without GeoIP looks for a
 * lower-case region (`de-ch` → Switzerland): the raw `de-CH,de;q=0.9` as `lang` would record
 * the language `de` and the country "unknown" where a direct hit records `de-ch` and `ch`.
 */
export function matomoLanguage(header: string): string {
  return header
    .replaceAll('_', '-')
    .toLowerCase()
    .replace(/\\./g, '')
    .replace(/\s+/g, '')
    .replace(/\([^)]*\)/g, '')
    .replace(/;q=[0-9.]+/g, '')
    .replace(/\..*/, '')
    .replace(/^c$/, '');
}
