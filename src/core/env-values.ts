import { describeFileError } from "./config/resolve.js";
import { ServiceEnvError } from "./errors.js";

/** The variable's value, or undefined when unset or empty (an empty Secret key must not become a valid credential). */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const text = env[name];
  return text === undefined || text === "" ? undefined : text;
}

/** The error a refused secret variable throws: a ServiceEnvError or one of its kinds. */
export type SecretVariableError = new (
  variable: string,
  message: string,
  options?: { cause?: unknown },
) => ServiceEnvError;

/**
 * `NAME` or the contents of the file named by `NAME_FILE`, trimmed; undefined when neither is set. `what`
 * names the secret in the sentence refusing a blank `NAME`. Throws `Refusal` (default ServiceEnvError) naming
 * the variable when both are set, the value is blank or the file cannot be read or is empty.
 */
export function readSecretVariable(
  env: NodeJS.ProcessEnv,
  name: string,
  what: string,
  readFile: (path: string) => string,
  Refusal: SecretVariableError = ServiceEnvError,
): string | undefined {
  const direct = envValue(env, name);
  const file = envValue(env, `${name}_FILE`);
  if (direct !== undefined && file !== undefined) {
    throw new Refusal(name, `set ${name} or ${name}_FILE, not both`);
  }
  if (direct !== undefined) {
    const secret = direct.trim();
    if (secret === "") {
      throw new Refusal(
        name,
        `${name} is blank: it holds only white space; set the ${what} (white space around it is not part of it)`,
      );
    }
    return secret;
  }
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    throw new Refusal(`${name}_FILE`, `cannot read ${name}_FILE ${JSON.stringify(file)}: ${describeFileError(error)}`, {
      cause: error,
    });
  }
  const secret = text.trim();
  if (secret === "") throw new Refusal(`${name}_FILE`, `${name}_FILE ${JSON.stringify(file)} is empty`);
  return secret;
}
