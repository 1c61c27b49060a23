// A small multipart/form-data reader for text fields: GetOTP's legacy examples post with `curl -F`.
import { GetOtpError } from './errors.js';

const MAX_PARTS = 50;

/** The text fields of a multipart body; file parts are skipped. Malformed input is GetOTP-shaped 1900. */
export function parseMultipart(body: Buffer, contentType: string): Record<string, string> {
  const m = /boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  if (!m) throw new GetOtpError('1900', 'multipart/form-data needs a boundary.');
  const delimiter = `--${m[1] ?? m[2]}`;
  const text = body.toString('latin1');
  // No prototype: a part named __proto__ must stay a plain field.
  const out = Object.create(null) as Record<string, string>;
  const chunks = text.split(delimiter);
  if (chunks.length < 2 || chunks.length > MAX_PARTS + 2) throw new GetOtpError('1900', 'The multipart body is malformed.');
  // chunks[0] is the preamble; the last starts with "--" (the closing delimiter).
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith('--')) break;
    const part = chunk.replace(/^\r?\n/, '').replace(/\r?\n$/, '');
    const split = part.indexOf('\r\n\r\n') >= 0 ? part.indexOf('\r\n\r\n') : part.indexOf('\n\n');
    if (split < 0) throw new GetOtpError('1900', 'The multipart body is malformed.');
    const headers = part.slice(0, split);
    const value = part.slice(split + (part.startsWith('\r\n', split) ? 4 : 2));
    const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw new GetOtpError('1900', 'A multipart part has no name.');
    if (/(?:^|;)\s*filename=/i.test(disposition)) continue;
    // Decoded as UTF-8 from the raw bytes (latin1 kept them 1:1 while splitting).
    if (!(name in out)) out[name] = Buffer.from(value, 'latin1').toString('utf8');
  }
  return out;
}
