import { gunzipSync, inflateSync } from 'node:zlib';
import { PayloadTooLargeError } from '../../ingest/errors.ts';
import { InvalidEncodingError, UnsupportedEncodingError } from './errors.ts';

/**
 * The body's JSON bytes: decompressed per `Content-Encoding` (gzip as RudderStack's SDK sends
 * by default, deflate, or none), never more than `maxBytes` of them. The limit is enforced
 * while inflating, so a small compressed body cannot expand into a large allocation.
 *
 * @throws UnsupportedEncodingError (415), InvalidEncodingError (400), PayloadTooLargeError (413).
 */
export function decodeBody(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Buffer {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  let decoded: Buffer;
  if (encoding === '' || encoding === 'identity') {
    decoded = body;
  } else if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') {
    decoded = inflate(body, encoding, maxBytes);
  } else {
    throw new UnsupportedEncodingError(encoding);
  }
  if (decoded.length > maxBytes) {
    throw new PayloadTooLargeError(`the body is ${decoded.length} bytes; Segment's limit is ${maxBytes}`);
  }
  return decoded;
}

function inflate(body: Buffer, encoding: string, maxBytes: number): Buffer {
  try {
    const options = { maxOutputLength: maxBytes + 1 };
    return encoding === 'deflate' ? inflateSync(body, options) : gunzipSync(body, options);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new PayloadTooLargeError(
        `the body decompresses to more than Segment's limit of ${maxBytes} bytes`,
      );
    }
    throw new InvalidEncodingError(encoding, error);
  }
}
