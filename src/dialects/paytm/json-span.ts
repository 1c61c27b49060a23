// Finds the exact source text of a top-level member of a JSON object, since a Paytm checksum signs the `body` text as the client serialised it.

const WS = new Set([' ', '\t', '\n', '\r']);

/** Index just past the string literal that starts at `i` (text[i] === '"'). */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const ch = text[j];
    if (ch === '\\') j++;
    else if (ch === '"') return j + 1;
  }
  return -1;
}

/** Index just past the JSON value that starts at `i`. */
function skipValue(text: string, i: number): number {
  const ch = text[i];
  if (ch === '"') return skipString(text, i);
  if (ch === '{' || ch === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const c = text[j];
      if (c === '"') {
        j = skipString(text, j) - 1;
        if (j < 0) return -1;
      } else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  // A number or a literal: runs to the next delimiter.
  let j = i;
  while (j < text.length && !WS.has(text[j]!) && text[j] !== ',' && text[j] !== '}' && text[j] !== ']') j++;
  return j > i ? j : -1;
}

function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text[i]!)) i++;
  return i;
}

/**
 * The raw text of member `name` of the top-level object in `text` (already known to be valid JSON),
 * or null. With duplicate names the last one wins, as in JSON.parse.
 */
export function rawMember(text: string, name: string): string | null {
  let i = skipWs(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  if (text[i] !== '{') return null;
  i = skipWs(text, i + 1);
  let found: string | null = null;
  while (i < text.length && text[i] !== '}') {
    if (text[i] !== '"') return null;
    const keyEnd = skipString(text, i);
    if (keyEnd < 0) return null;
    let key: unknown;
    try {
      key = JSON.parse(text.slice(i, keyEnd));
    } catch {
      return null;
    }
    i = skipWs(text, keyEnd);
    if (text[i] !== ':') return null;
    const start = skipWs(text, i + 1);
    const end = skipValue(text, start);
    if (end < 0) return null;
    if (key === name) found = text.slice(start, end);
    i = skipWs(text, end);
    if (text[i] === ',') i = skipWs(text, i + 1);
  }
  return found;
}
