/**
 * The fields a JSON text sets twice in one object, as kube-apiserver's strict decoder names them:
 * `spec.replicas`, `spec.template.spec.containers[0].image`. `JSON.parse` keeps the last of them silently; the
 * decoder does too, and reports them. The text must be valid JSON (it is parsed first); on anything else this
 * stops and returns what it found.
 */
export function duplicateJsonFields(text: string): string[] {
  const scanner = new Scanner(text);
  try {
    scanner.value("");
  } catch {
    // Not reachable for text JSON.parse accepted; nothing more to report.
  }
  return scanner.duplicates;
}

class Scanner {
  readonly duplicates: string[] = [];
  private at = 0;

  constructor(private readonly text: string) {}

  value(path: string): void {
    this.space();
    const c = this.text[this.at];
    if (c === "{") this.object(path);
    else if (c === "[") this.array(path);
    else if (c === '"') this.string();
    else this.literal();
  }

  private object(path: string): void {
    this.at++;
    const seen = new Set<string>();
    this.space();
    if (this.text[this.at] === "}") {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      const key = this.string();
      const fieldPath = path ? `${path}.${key}` : key;
      if (seen.has(key)) this.duplicates.push(fieldPath);
      seen.add(key);
      this.space();
      this.expect(":");
      this.value(fieldPath);
      this.space();
      if (this.text[this.at] === ",") this.at++;
      else return this.expect("}");
    }
  }

  private array(path: string): void {
    this.at++;
    this.space();
    if (this.text[this.at] === "]") {
      this.at++;
      return;
    }
    for (let index = 0; ; index++) {
      this.value(`${path}[${index}]`);
      this.space();
      if (this.text[this.at] === ",") this.at++;
      else return this.expect("]");
    }
  }

  private string(): string {
    const start = this.at;
    this.expect('"');
    while (this.at < this.text.length && this.text[this.at] !== '"') {
      this.at += this.text[this.at] === "\\" ? 2 : 1;
    }
    this.expect('"');
    return JSON.parse(this.text.slice(start, this.at)) as string;
  }

  private literal(): void {
    const match = /^[-+0-9.eEa-z]+/.exec(this.text.slice(this.at, this.at + 64));
    if (!match) throw new Error(`unexpected character at ${this.at}`);
    this.at += match[0].length;
  }

  private space(): void {
    while (this.at < this.text.length && " \t\r\n".includes(this.text[this.at]!)) this.at++;
  }

  private expect(c: string): void {
    if (this.text[this.at] !== c) throw new Error(`expected ${c} at ${this.at}`);
    this.at++;
  }
}
