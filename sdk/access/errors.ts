/**
 * Errors of the annotation language: {@link AnnotationProblem} (raised by the parser and the
 * resolver, positioned inside the annotation text) and {@link AnnotationError} (the same
 * problem, placed in a source file; what the build reports).
 */

/** What is wrong with an annotation. */
export type AnnotationErrorCode =
  /** Not a comma-separated list of storage expressions. */
  | "syntax"
  /** A tag with nothing after it. */
  | "empty"
  /** The expression does not start with a state variable of the contract. */
  | "unknown-variable"
  /** A key names something that is not a parameter of the function. */
  | "unknown-parameter"
  /** `[key]` on something that is neither a mapping nor an array (includes too many `[ ]`). */
  | "not-indexable"
  /** `.member` on something that is not a struct. */
  | "no-members"
  /** `.member` naming a member the struct does not have. */
  | "unknown-member"
  /** A key whose type cannot be the mapping's key type or an array index. */
  | "key-type"
  /** A literal index outside a fixed-size array. */
  | "index-range"
  /** An unknown key function, or one called with the wrong number of arguments. */
  | "key-function"
  /** A key function used where it does not apply (e.g. `shard()` on a mapping). */
  | "key-function-target"
  /** A parameter key in a contract-level annotation (there are no parameters there). */
  | "contract-level-parameter"
  /** `@custom:writes` on a `view` or `pure` function. */
  | "view-writes"
  /** A misspelt tag such as `@custom:write`. */
  | "unknown-tag"
  /** `@custom:calls`: the callee is not an immutable, constant, state variable or parameter holding an address. */
  | "call-target"
  /** `@custom:calls`: the contract type has no such function, or the arguments do not match it. */
  | "call-function";

/** A problem found in an annotation, positioned by character offsets into its text. */
export class AnnotationProblem extends Error {
  readonly code: AnnotationErrorCode;
  /** Offset of the first offending character in the annotation text (0-based). */
  readonly start: number;
  /** Offset just past the offending text. */
  readonly end: number;
  /** How to fix it, when there is something useful to say. */
  readonly hint?: string;

  constructor(
    code: AnnotationErrorCode,
    message: string,
    start: number,
    end: number,
    hint?: string,
  ) {
    super(message);
    this.name = "AnnotationProblem";
    this.code = code;
    this.start = start;
    this.end = end;
    if (hint !== undefined) this.hint = hint;
  }
}

/** Where an annotation comes from. */
export interface AnnotationSite {
  /** Source file as the user knows it (e.g. `contracts/Vault.sol`). */
  file: string;
  /** 1-based line of the offending part of the annotation (the tag's line unless it spans lines). */
  line: number;
  /** 1-based column of the offending part, in characters. */
  column: number;
  /** `reads` or `writes` (for a misspelt tag: the one it was probably meant to be). */
  tag: "reads" | "writes" | "calls";
  /** The tag as written, without `@`, when it is not `custom:reads`/`custom:writes`. */
  tagName?: string;
  /** The annotation's text after the tag, whitespace collapsed. */
  annotation: string;
  /** Contract whose storage layout the annotation was resolved against. */
  contract: string;
  /** Function signature, e.g. `transfer(address,uint256)`; undefined for contract-level tags. */
  function?: string;
}

/** An annotation problem placed in a source file; see {@link AnnotationError.format}. */
export class AnnotationError extends Error {
  public readonly code: AnnotationErrorCode;
  /** The problem alone, without the location (e.g. `unknown parameter "too"`). */
  public readonly detail: string;
  public readonly hint?: string;
  public readonly file: string;
  public readonly line: number;
  public readonly column: number;
  public readonly tag: "reads" | "writes" | "calls";
  /** The tag as written, without `@` (e.g. `custom:writes`). */
  public readonly tagName: string;
  public readonly annotation: string;
  public readonly contract: string;
  public readonly function?: string;

  constructor(problem: AnnotationProblem, site: AnnotationSite) {
    super(`${site.file}:${site.line}: ${problem.message}`);
    this.name = "AnnotationError";
    this.code = problem.code;
    this.detail = problem.message;
    this.hint = problem.hint;
    this.file = site.file;
    this.line = site.line;
    this.column = site.column;
    this.tag = site.tag;
    this.tagName = site.tagName ?? `custom:${site.tag}`;
    this.annotation = site.annotation;
    this.contract = site.contract;
    this.function = site.function;
  }

  /**
   * Multi-line report:
   * ```
   * contracts/Vault.sol:12:28: @custom:writes balanceOf[too]
   *   in Vault.deposit(address,uint256)
   *   unknown parameter "too"
   *   hint: the parameters of deposit(address,uint256) are: to, amount
   * ```
   */
  format(): string {
    const where =
      this.function === undefined
        ? `contract ${this.contract}`
        : `${this.contract}.${this.function}`;
    const lines = [
      `${this.file}:${this.line}:${this.column}: @${this.tagName} ${this.annotation}`.trimEnd(),
      `  in ${where}`,
      `  ${this.detail}`,
    ];
    if (this.hint !== undefined) lines.push(`  hint: ${this.hint}`);
    return lines.join("\n");
  }
}

/** Levenshtein distance between two strings (insertions, deletions, substitutions cost 1). */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(
        previous[j] + 1,
        previous[j - 1] + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return previous[b.length];
}

/**
 * The candidates closest to `name` by edit distance (case-insensitive ties first), at most
 * `max(2, name.length / 3)` edits away; closest first.
 */
export function nearestNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const threshold = Math.max(2, Math.floor(name.length / 3));
  return [...new Set(candidates)]
    .map((candidate) => ({
      candidate,
      distance: candidate.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, candidate),
    }))
    .filter(({ distance }) => distance <= threshold)
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}

/** `did you mean "a"?` / `did you mean "a" or "b"?`, or undefined when there is no close name. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const near = nearestNames(name, candidates);
  if (near.length === 0) return undefined;
  const quoted = near.map((n) => `"${n}"`);
  return `did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`}?`;
}
