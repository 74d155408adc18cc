/**
 * How etcd's flags are written in a container's command and args: `--name=value`, `--name value` (Go flags also take
 * one dash), or inside a shell script (`sh -c "etcd --name=value ..."`), the value maybe quoted.
 */

/** A flag name in an argument: `--name` or `-name`, followed by `=` or the end. */
export function flagPattern(flag: string): RegExp {
  return new RegExp(`^--?${flag}(=|$)`);
}

/** The flag inside a shell script: preceded by whitespace, its value after `=` or spaces, maybe quoted. */
export function scriptPattern(flag: string): RegExp {
  return new RegExp(`(^|\\s)(--?${flag})(=|[ \\t]+)("[^"]*"|'[^']*'|[^\\s"';&|]+)`, "g");
}

/** The first value of the flag in `words` (a command followed by its args), without quotes; undefined if absent. */
export function flagValue(words: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? "";
    const match = flagPattern(flag).exec(word);
    if (match) return match[1] === "=" ? word.slice(word.indexOf("=") + 1) : words[i + 1];
    if (!/\s/.test(word)) continue;
    const script = scriptPattern(flag).exec(word);
    if (script) return script[4]?.replace(/^(["'])(.*)\1$/, "$2");
  }
  return undefined;
}
