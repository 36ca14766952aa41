/**
 * The value of a C integer literal as C reads it: decimal, hex (`0x`/`0X`), octal (a
 * leading `0`), an optional minus sign and `u`/`l` suffixes; undefined for anything else.
 * One reader for the analysis' constant guards and the simulator's conditions, so that
 * `010` is 8 and `-0x10` is -16 in both.
 */
const INTEGER = /^(-?)\s*(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9]\d*))[uUlL]*$/;

export function integerLiteral(text: string): number | undefined {
  const m = INTEGER.exec(text.trim());
  if (!m) return undefined;
  const [, sign, hex, octal, decimal] = m;
  const value = hex !== undefined ? parseInt(hex, 16) : octal !== undefined ? parseInt(octal, 8) : Number(decimal);
  return sign ? -value : value;
}
