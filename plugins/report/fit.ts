/**
 * Fitting a table into a terminal width for `formatTable` of `@nomicfoundation/hardhat-utils`
 * (which sizes columns to their content and has no width limit): columns are dropped in a given
 * order, shrinkable ones are cut with `…`, wrapping ones are broken into continuation rows.
 *
 * Widths are visible widths: ANSI escapes are not counted, every other code point counts one
 * column (the report uses no wide characters).
 */

/** One column of a table to fit. */
export interface FitColumn {
  header: string;
  /** One cell per row (plain text; colour is applied after fitting). */
  cells: string[];
  /** Narrowest width the column may be cut or wrapped to; absent: never narrower than its content. */
  min?: number;
  /** `wrap`: long cells continue on the next lines; `cut` (default): cut with `…`. */
  overflow?: "wrap" | "cut";
  /** Drop rank: lower ranks are dropped first; absent: never dropped. */
  drop?: number;
}

/** What {@link fitColumns} kept. */
export interface FittedTable {
  /** Indices (into the given columns) of the kept columns, in their order. */
  kept: number[];
  /** Indices of the dropped columns, in their order. */
  dropped: number[];
  /** Header of each kept column. */
  header: string[];
  /**
   * Rows of kept cells. A wrapped cell adds continuation rows (other cells empty);
   * `source[i]` is the given row each output row belongs to.
   */
  rows: string[][];
  source: number[];
}

/** Width of a `formatTable` table whose columns have these content widths. */
export function tableWidth(widths: readonly number[]): number {
  return widths.reduce((sum, w) => sum + w, 0) + 3 * widths.length + 1;
}

/** Visible width of a string: ANSI escapes removed, code points counted. */
export function visibleWidth(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC.
  return [...text.replace(/\u001b\[[0-9;]*m/g, "")].length;
}

/**
 * Chooses the columns and widths so the table is at most `width` columns wide: while it is too
 * wide, shrinkable columns are narrowed (the widest first) down to their `min`; when that is not
 * enough, the column with the lowest drop rank is dropped and the widths start again. When no
 * column can be dropped any more, the columns stay at their minimum (the table may then be wider).
 */
export function fitColumns(columns: readonly FitColumn[], width: number): FittedTable {
  const kept = columns.map((_, i) => i);
  const dropped: number[] = [];
  const natural = columns.map((c) =>
    Math.max(visibleWidth(c.header), ...c.cells.map(visibleWidth)),
  );
  const floor = columns.map((c, i) =>
    c.min === undefined
      ? natural[i]
      : Math.min(natural[i], Math.max(c.min, visibleWidth(c.header))),
  );
  let widths: number[];
  for (;;) {
    widths = kept.map((i) => natural[i]);
    const minimum = tableWidth(kept.map((i) => floor[i]));
    if (minimum <= width) {
      while (tableWidth(widths) > width) {
        let widest = -1;
        widths.forEach((w, k) => {
          if (w > floor[kept[k]] && (widest === -1 || w > widths[widest])) widest = k;
        });
        widths[widest] -= 1;
      }
      break;
    }
    let next = -1;
    kept.forEach((i, k) => {
      const rank = columns[i].drop;
      if (rank !== undefined && (next === -1 || rank < columns[kept[next]].drop!)) next = k;
    });
    if (next === -1) {
      widths = kept.map((i) => floor[i]);
      break;
    }
    dropped.push(kept[next]);
    kept.splice(next, 1);
  }
  const rows: string[][] = [];
  const source: number[] = [];
  const rowCount = columns[0]?.cells.length ?? 0;
  for (let r = 0; r < rowCount; r++) {
    const lines = kept.map((i, k) =>
      columns[i].overflow === "wrap"
        ? wrap(columns[i].cells[r], widths[k])
        : [cut(columns[i].cells[r], widths[k])],
    );
    const height = Math.max(...lines.map((l) => l.length));
    for (let line = 0; line < height; line++) {
      rows.push(lines.map((l) => l[line] ?? ""));
      source.push(r);
    }
  }
  return {
    kept,
    dropped: dropped.sort((a, b) => a - b),
    header: kept.map((i, k) => cut(columns[i].header, widths[k])),
    rows,
    source,
  };
}

/** `text` cut to `width` visible columns, ending with `…` when it was longer. */
export function cut(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  const kept = chars.slice(0, Math.max(0, width - 1)).join("");
  // A shortened address (`0x9e7f…c853`) cut right after its own `…` keeps one ellipsis.
  return `${kept.endsWith("…") ? kept.slice(0, -1) : kept}…`;
}

/**
 * `text` broken into lines of at most `width` columns, at spaces where possible (a word longer
 * than a line is broken inside). At most 3 lines; the last is cut with `…` when text remains.
 */
export function wrap(text: string, width: number, maxLines = 3): string[] {
  if (visibleWidth(text) <= width) return [text];
  const lines: string[] = [];
  let rest = text;
  while (rest.length > 0 && lines.length < maxLines) {
    const chars = [...rest];
    if (chars.length <= width) {
      lines.push(rest);
      rest = "";
      break;
    }
    const window = chars.slice(0, width + 1).join("");
    const space = window.lastIndexOf(" ");
    const end = space > 0 ? space : width;
    lines.push(chars.slice(0, end).join("").trimEnd());
    rest = chars
      .slice(space > 0 ? end + 1 : end)
      .join("")
      .trimStart();
  }
  if (rest.length > 0) lines[lines.length - 1] = cut(`${lines[lines.length - 1]} ${rest}`, width);
  return lines;
}
