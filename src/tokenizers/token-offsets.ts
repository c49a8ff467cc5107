// Offsets of BPE tokens in the text they came from. Each UTF-16 unit of a piece has a length in
// symbols (UTF-8 bytes when byte-level, else 1 per code point; 0 for a surrogate pair's low half);
// a token covers whole units, so one ending inside a character's bytes extends to that character's
// end (Hugging Face reports the same spans for byte-level tokens).

import { utf8UnitLength } from "./byte-level.js";

/**
 * Pushes [start, end) offsets for the tokens ids[from..] of piece src[s, e). A position x of src
 * is max(floor, x + shift) in the text (see PreTokenizer.forEachPiece). symbolsOf(id): the symbols
 * the token covers; byteLevel: symbols are UTF-8 bytes rather than code points.
 */
export function pieceOffsets(src: string, s: number, e: number, ids: number[], from: number, shift: number, floor: number,
                             offsets: [number, number][], symbolsOf: (id: number) => number, byteLevel: boolean): void {
  const unitLen = (u: number) => {
    const b = utf8UnitLength(src, u);
    return byteLevel || b === 0 ? b : 1;
  };
  let u0 = s; // first unit not wholly consumed
  let used = 0; // symbols of unit u0 already consumed
  for (let k = from; k < ids.length; k++) {
    let need = symbolsOf(ids[k]);
    while (u0 < e && unitLen(u0) === 0) u0++;
    const a = u0;
    while (need > 0 && u0 < e) {
      const len = unitLen(u0);
      const take = Math.min(need, len - used);
      need -= take;
      used += take;
      if (used >= len) { u0++; used = 0; }
    }
    while (u0 < e && unitLen(u0) === 0) u0++;
    let b = u0;
    if (used > 0) { b = u0 + 1; while (b < e && unitLen(b) === 0) b++; }
    offsets.push([Math.max(floor, a + shift), Math.max(floor, b + shift)]);
  }
}
