import { ContainerConfigError } from "./errors.js";

/** A Kubernetes resource quantity, held exactly as `numerator / denominator` (the denominator is positive). */
export interface Quantity {
  numerator: bigint;
  denominator: bigint;
}

/** Powers of 1024 of the binary suffixes and of 10 of the decimal ones. */
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/**
 * Parses a quantity as Kubernetes writes one: a decimal number with a binary (`Ki` ... `Ei`) or decimal
 * (`n`, `u`, `m`, `k` ... `E`) suffix or a decimal exponent (`1e3`); a JSON number is taken as its decimal
 * text. Throws `ContainerConfigError` for anything else.
 */
export function parseQuantity(text: string | number): Quantity {
  const source = String(text).trim();
  const match = QUANTITY.exec(source);
  const whole = match?.[2] ?? "";
  const fraction = match?.[3] ?? "";
  if (!match || whole + fraction === "") throw new ContainerConfigError(`invalid quantity ${JSON.stringify(source)}`);
  let numerator = BigInt(whole + fraction) * (match[1] === "-" ? -1n : 1n);
  let denominator = 10n ** BigInt(fraction.length);
  const suffix = match[4];
  const binary = suffix === undefined ? undefined : BINARY_SUFFIXES[suffix];
  const exponent = binary === undefined ? (suffix ? (DECIMAL_SUFFIXES[suffix] ?? 0) : Number(match[5] ?? 0)) : 0;
  if (binary !== undefined) numerator *= 1024n ** BigInt(binary);
  if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
  else denominator *= 10n ** BigInt(-exponent);
  return { numerator, denominator };
}

/** The quantity rounded up to a whole number, as `Quantity.Value()`. */
export function quantityValue(quantity: Quantity): bigint {
  return ceilDivide(quantity.numerator, quantity.denominator);
}

/** The quantity in thousandths, rounded up, as `Quantity.MilliValue()`. */
export function quantityMilliValue(quantity: Quantity): bigint {
  return ceilDivide(quantity.numerator * 1000n, quantity.denominator);
}

/** `numerator / denominator` rounded up; `denominator` must be positive. */
export function ceilDivide(numerator: bigint, denominator: bigint): bigint {
  // BigInt division truncates toward zero, which rounds negative quotients up already.
  return numerator > 0n ? (numerator + denominator - 1n) / denominator : numerator / denominator;
}
