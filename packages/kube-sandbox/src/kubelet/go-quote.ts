/** Go's `strconv.Quote` short escapes. */
const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x07: "\\a",
  0x08: "\\b",
  0x0c: "\\f",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x0b: "\\v",
};

/** What Go's `strconv.IsPrint` accepts: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * `text` in double quotes as Go's `%q` writes a string: `"` and `\` backslashed, printable characters as they
 * are, others as `\n`-style, `\xhh`, `\uhhhh` or `\Uhhhhhhhh` escapes. A lone surrogate is U+FFFD, as it is
 * once a Go program has decoded the JSON that carried it.
 */
export function goQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"' || char === "\\") out += `\\${char}`;
    else if (code >= 0xd800 && code <= 0xdfff) out += "\ufffd";
    else if (PRINTABLE.test(char)) out += char;
    else out += escapeCodePoint(code);
  }
  return `${out}"`;
}

function escapeCodePoint(code: number): string {
  const short = SHORT_ESCAPES[code];
  if (short) return short;
  const hex = code.toString(16);
  if (code < 0x20 || code === 0x7f) return `\\x${hex.padStart(2, "0")}`;
  if (code < 0x10000) return `\\u${hex.padStart(4, "0")}`;
  return `\\U${hex.padStart(8, "0")}`;
}
