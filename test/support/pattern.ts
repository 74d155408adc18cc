/**
 * One RegExp from regex literals written one after the other, for a pattern too long for one line. Each
 * piece keeps regex syntax (escapes, anchors) as written; pieces take no flags, as none would carry over.
 */
export function joinedPattern(...pieces: RegExp[]): RegExp {
  const flagged = pieces.find((piece) => piece.flags !== "");
  if (flagged) throw new Error(`joinedPattern takes pieces without flags, got ${String(flagged)}`);
  return new RegExp(pieces.map((piece) => piece.source).join(""));
}
