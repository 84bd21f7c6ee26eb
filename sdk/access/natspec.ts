/**
 * NatSpec tags with source positions.
 *
 * solc reports a function's or contract's documentation as a `StructuredDocumentation` AST node
 * whose `src` is `start:length:fileIndex` in bytes of the source, and whose `text` drops blank
 * comment lines (so it cannot be mapped back to lines). This module therefore re-reads the raw
 * comment from the source at `src`, strips the comment markers (`///`, `/**`, leading `*`, `*` +
 * `/`) and splits it into tags, remembering the line and column of every piece of text. A tag
 * starts with `@` at the start of a comment line and runs until the next tag (Solidity docs,
 * "NatSpec Format").
 */

/** One NatSpec tag, e.g. `@custom:writes balanceOf[to]`. */
export interface NatspecTag {
  /** Tag name without `@`, e.g. `custom:writes`, `notice`. */
  name: string;
  /** The text after the tag name, comment markers removed, lines joined with `\n`. */
  content: string;
  /** 1-based line of the tag. */
  line: number;
  /** 1-based column of the `@`. */
  column: number;
  /** Where `content` offsets are in the source: piece starts, in order (see {@link tagPosition}). */
  pieces: Array<{ offset: number; line: number; column: number }>;
}

/** Line and 1-based column of a character offset inside a tag's `content`. */
export function tagPosition(tag: NatspecTag, offset: number): { line: number; column: number } {
  let piece = tag.pieces[0];
  for (const candidate of tag.pieces) {
    if (candidate.offset <= offset) piece = candidate;
    else break;
  }
  return { line: piece.line, column: piece.column + (offset - piece.offset) };
}

/** A source text with a byte-offset → character-offset map (solc `src` offsets are UTF-8 bytes). */
export class SourceText {
  readonly text: string;
  readonly #bytes: Buffer;
  readonly #lineStarts: number[];

  constructor(text: string) {
    this.text = text;
    this.#bytes = Buffer.from(text, "utf8");
    this.#lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === "\n") this.#lineStarts.push(i + 1);
  }

  /** Character offset of a byte offset. */
  charOffset(byteOffset: number): number {
    return this.#bytes.subarray(0, byteOffset).toString("utf8").length;
  }

  /** 1-based line and column of a character offset. */
  position(charOffset: number): { line: number; column: number } {
    let low = 0;
    let high = this.#lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.#lineStarts[mid] <= charOffset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: charOffset - this.#lineStarts[low] + 1 };
  }

  /**
   * Parses a solc `src` string (`start:length:file`).
   * @returns character offsets `[start, end)`.
   */
  range(src: string): { start: number; end: number } {
    const [start, length] = src.split(":").map(Number);
    return { start: this.charOffset(start), end: this.charOffset(start + length) };
  }
}

/**
 * Reads the NatSpec tags of the doc comment at `src` (a `StructuredDocumentation` node's `src`).
 * @param source the whole source file.
 * @param src solc's `start:length:file` (byte offsets).
 */
export function readNatspecTags(source: SourceText, src: string): NatspecTag[] {
  const { start, end } = source.range(src);
  const raw = source.text.slice(start, end);

  // Split into lines, each with the source offset of its first character.
  const lines: Array<{ text: string; offset: number }> = [];
  let lineOffset = 0;
  for (const text of raw.split("\n")) {
    lines.push({ text, offset: start + lineOffset });
    lineOffset += text.length + 1;
  }

  // Strip comment markers, keeping the source offset of what remains.
  const block = raw.trimStart().startsWith("/**");
  const segments: Array<{ text: string; offset: number }> = [];
  for (const [i, line] of lines.entries()) {
    let text = line.text.replace(/\r$/, "");
    let skipped = 0;
    const skip = (n: number): void => {
      text = text.slice(n);
      skipped += n;
    };
    skip(text.length - text.trimStart().length);
    if (block) {
      if (i === 0 && text.startsWith("/**")) skip(3);
      else if (text.startsWith("*") && !text.startsWith("*/")) skip(1);
      if (i === lines.length - 1) text = text.replace(/\*\/\s*$/, "");
    } else if (text.startsWith("///")) {
      skip(3);
    }
    segments.push({ text, offset: line.offset + skipped });
  }

  const tags: NatspecTag[] = [];
  let current: NatspecTag | undefined;
  for (const segment of segments) {
    const lead = segment.text.length - segment.text.trimStart().length;
    const match = /^@(\S+)/.exec(segment.text.slice(lead));
    if (match !== null) {
      const at = source.position(segment.offset + lead);
      const contentStart = lead + match[0].length;
      const contentPosition = source.position(segment.offset + contentStart);
      current = {
        name: match[1],
        content: segment.text.slice(contentStart),
        line: at.line,
        column: at.column,
        pieces: [{ offset: 0, ...contentPosition }],
      };
      tags.push(current);
    } else if (current !== undefined) {
      current.content += "\n";
      current.pieces.push({ offset: current.content.length, ...source.position(segment.offset) });
      current.content += segment.text;
    }
  }
  return tags;
}
