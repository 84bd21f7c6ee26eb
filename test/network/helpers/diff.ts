/**
 * Structural diff of two JSON-like values, printed as one line per differing path, for the
 * differential suite's failure messages.
 */

/** One difference between two values. */
export interface Difference {
  /** Path from the root, e.g. `blocks[2].transactions[0].receipt.gasUsed`. */
  path: string;
  /** Value on the reference side (`undefined` when the path is missing there). */
  expected: unknown;
  /** Value on the side under test (`undefined` when the path is missing there). */
  actual: unknown;
}

/**
 * Lists every path where `expected` and `actual` differ. Plain objects are compared key by key
 * (a key missing on one side is a difference), arrays index by index plus their lengths,
 * everything else with `Object.is` after turning bigints into decimal strings.
 * @param expected The reference value (EDR).
 * @param actual The value under test.
 * @param path Path prefix of the values (used in recursion; `""` at the root).
 */
export function deepDiff(expected: unknown, actual: unknown, path = ""): Difference[] {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const out: Difference[] = [];
    if (expected.length !== actual.length) {
      out.push({ path: `${path}.length`, expected: expected.length, actual: actual.length });
    }
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) out.push(...deepDiff(expected[i], actual[i], `${path}[${i}]`));
    return out;
  }
  if (isPlainObject(expected) && isPlainObject(actual)) {
    const out: Difference[] = [];
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      const sub = path === "" ? key : `${path}.${key}`;
      out.push(...deepDiff(expected[key], actual[key], sub));
    }
    return out;
  }
  return Object.is(normalizeLeaf(expected), normalizeLeaf(actual))
    ? []
    : [{ path: path || "(root)", expected, actual }];
}

/**
 * Formats differences for an assertion message, one per line, at most `limit` lines plus a
 * count of the rest.
 * @param diffs Output of {@link deepDiff}.
 * @param expectedLabel Name of the reference side, e.g. `default (EDR)`.
 * @param actualLabel Name of the side under test.
 * @param limit Lines shown (default 40).
 */
export function formatDiff(
  diffs: Difference[],
  expectedLabel: string,
  actualLabel: string,
  limit = 40,
): string {
  const lines = diffs
    .slice(0, limit)
    .map(
      (d) =>
        `  ${d.path}:\n      ${expectedLabel}: ${show(d.expected)}\n      ${actualLabel}: ${show(d.actual)}`,
    );
  if (diffs.length > limit) lines.push(`  … and ${diffs.length - limit} more differences`);
  return lines.join("\n");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function normalizeLeaf(value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

function show(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
}
