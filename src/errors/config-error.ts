import { ResponderError } from "./responder-error.js";

/** One thing wrong with the configuration, located by its key path. */
export interface ConfigProblem {
  /** Where in the file, e.g. `clusters[0].members`; empty when the problem concerns the whole file. */
  keyPath: string;
  /** What is wrong, e.g. `expected a number from 1 to 9, got "five"`. */
  message: string;
}

/**
 * The configuration cannot be used. Not retryable: the file has to be fixed.
 * The message names the file and the key path: `config.yaml: clusters[0].members: expected a number from 1 to 9, got "five"`.
 */
export class ConfigError extends ResponderError {
  /** The file (or other source) the configuration came from. */
  readonly source: string;
  /** Key path of the first problem; empty when it concerns the whole file. */
  readonly keyPath: string;
  /** Every problem found, in file order as far as known. */
  readonly problems: readonly ConfigProblem[];

  constructor(source: string, problems: ConfigProblem | readonly ConfigProblem[], options: { cause?: unknown } = {}) {
    const list = Array.isArray(problems) ? (problems as readonly ConfigProblem[]) : [problems as ConfigProblem];
    super(list.map((problem) => formatProblem(source, problem)).join("\n"), { retryable: false, cause: options.cause });
    this.source = source;
    this.keyPath = list[0]?.keyPath ?? "";
    this.problems = list;
  }
}

function formatProblem(source: string, problem: ConfigProblem): string {
  return problem.keyPath ? `${source}: ${problem.keyPath}: ${problem.message}` : `${source}: ${problem.message}`;
}
