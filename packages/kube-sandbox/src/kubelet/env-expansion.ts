/**
 * Kubernetes `$(VAR)` expansion, as used for env values, command and args: `$(NAME)` becomes the value of
 * NAME when `lookup` knows it and stays as written otherwise; `$$` is an escaped `$`; any other `$` is kept.
 */
export function expandVariables(input: string, lookup: (name: string) => string | undefined): string {
  let out = "";
  let i = 0;
  while (i < input.length) {
    const char = input[i];
    if (char !== "$" || i + 1 >= input.length) {
      out += char;
      i += 1;
      continue;
    }
    const next = input[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close === -1) {
        // No closing parenthesis: nothing to expand, keep the text.
        out += "$(";
        i += 2;
        continue;
      }
      const name = input.slice(i + 2, close);
      const value = lookup(name);
      out += value ?? `$(${name})`;
      i = close + 1;
      continue;
    }
    out += "$";
    i += 1;
  }
  return out;
}
