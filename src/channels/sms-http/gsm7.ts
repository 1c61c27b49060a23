// GSM 03.38 7-bit alphabet: whether a text can be sent as a plain SMS, and how many septets it takes.

/** GSM 03.38 default alphabet, one character per septet value 0x00–0x7F (0x1B is the escape to the extension table). */
export const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞ\x1BÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

/** The extension table: each of these is sent as ESC (0x1B) followed by this septet, so it counts twice. */
export const GSM_EXTENSION: Readonly<Record<string, number>> = {
  '\f': 0x0a,
  '^': 0x14,
  '{': 0x28,
  '}': 0x29,
  '\\': 0x2f,
  '[': 0x3c,
  '~': 0x3d,
  ']': 0x3e,
  '|': 0x40,
  '€': 0x65,
};

// ESC is left out of the characters a text may hold: it escapes to the extension table.
const basic = new Set([...GSM_BASIC].filter((ch) => ch !== '\x1B'));
const extension = new Set(Object.keys(GSM_EXTENSION));

/** True when every character of `text` is in the GSM 03.38 basic set or its extension table. */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (!basic.has(ch) && !extension.has(ch)) return false;
  return true;
}

/** Septets `text` needs in GSM-7 (extension characters count 2), or null when it does not fit the alphabet. */
export function gsm7Septets(text: string): number | null {
  let n = 0;
  for (const ch of text) {
    if (basic.has(ch)) n += 1;
    else if (extension.has(ch)) n += 2;
    else return null;
  }
  return n;
}
