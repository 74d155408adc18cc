/** What a command writes to and reads from: the process's own by default, captured in tests. */
export interface CommandIO {
  /** Writes one line to standard output. */
  stdout: (line: string) => void;
  /** Writes one line to standard error. */
  stderr: (line: string) => void;
  /** The environment the command reads (kubeconfig, credentials). */
  env: NodeJS.ProcessEnv;
}

/** The process's standard output, standard error and environment. */
export const processIO: CommandIO = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};
