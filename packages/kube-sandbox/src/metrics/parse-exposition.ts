import type { MetricFamily } from "./exposition-format.js";

/** The text exposition input is not well formed; the message names the line. */
export class ExpositionParseError extends Error {
  override readonly name = "ExpositionParseError";

  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, ExpositionParseError.prototype);
  }
}

/**
 * Reads Prometheus text format 0.0.4 back into families (for tests and checks that scrape the
 * sandbox). Samples without HELP/TYPE lines form an untyped family of their own name.
 */
export function parseExposition(text: string): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  const family = (name: string): MetricFamily => {
    let found = families.get(name);
    if (!found) {
      found = { name, help: "", type: "gauge", samples: [] };
      families.set(name, found);
    }
    return found;
  };
  text.split("\n").forEach((line, index) => {
    if (!line.trim()) return;
    const where = `line ${index + 1}`;
    const comment = /^#\s*(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s?(.*)$/.exec(line);
    if (comment) {
      const [, keyword, name = "", rest = ""] = comment;
      if (keyword === "HELP") family(name).help = rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      else if (rest === "gauge" || rest === "counter") family(name).type = rest;
      else throw new ExpositionParseError(`${where}: unsupported metric type "${rest}"`);
      return;
    }
    if (line.startsWith("#")) return;
    const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (!head?.[1]) throw new ExpositionParseError(`${where}: no metric name`);
    const name = head[1];
    let at = name.length;
    const labels: Record<string, string> = {};
    if (line[at] === "{") {
      at += 1;
      while (line[at] !== "}") {
        const key = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
        if (!key?.[1]) throw new ExpositionParseError(`${where}: bad label at column ${at + 1}`);
        at += key[0].length;
        let value = "";
        for (;;) {
          const ch = line[at];
          if (ch === undefined) throw new ExpositionParseError(`${where}: unterminated label value`);
          at += 1;
          if (ch === '"') break;
          if (ch === "\\") {
            const next = line[at];
            at += 1;
            if (next === "n") value += "\n";
            else if (next === "\\" || next === '"') value += next;
            else throw new ExpositionParseError(`${where}: bad escape \\${next ?? ""}`);
          } else value += ch;
        }
        labels[key[1]] = value;
        if (line[at] === ",") at += 1;
        else if (line[at] !== "}") throw new ExpositionParseError(`${where}: expected , or } at column ${at + 1}`);
      }
      at += 1;
    }
    const valueText = line.slice(at).trim().split(/\s+/)[0] ?? "";
    const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText);
    if (valueText === "" || (Number.isNaN(value) && valueText !== "NaN")) {
      throw new ExpositionParseError(`${where}: bad value "${valueText}"`);
    }
    family(name).samples.push({ labels, value });
  });
  return [...families.values()];
}
