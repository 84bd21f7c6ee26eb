// @ts-check
/**
 * npm package-name validation for `hardhat-parallel create`.
 *
 * `validate-npm-package-name` is not a dependency of this package, so its documented rules are
 * implemented here (rules as of validate-npm-package-name 6.x, the version npm 10 ships; see
 * https://github.com/npm/validate-npm-package-name#naming-rules). A name is accepted for a new
 * project only when it breaks none of them — npm's `validForNewPackages`: errors (never valid)
 * and warnings (valid only for legacy packages) both reject it.
 *
 * @module
 */
import { builtinModules } from "node:module";

/** `@scope/name` or `name`; group 1 is the scope, group 2 the name. Same as npm's. */
const SCOPED_NAME = /^(?:@([^/]+?)[/])?([^/]+?)$/;

/** Names npm refuses outright (npm calls this its exclusion list). */
const EXCLUDED_NAMES = ["node_modules", "favicon.ico"];

/** Longest name npm accepts for a new package, in characters. */
export const MAX_PACKAGE_NAME_LENGTH = 214;

/**
 * @typedef {object} PackageNameCheck
 * @property {boolean} valid  True when `name` may be used for a new npm package.
 * @property {string[]} errors  Rules that no npm package name may break.
 * @property {string[]} warnings  Rules that only legacy package names break (still a rejection
 *   for a new project).
 */

/**
 * Checks `name` against npm's package-name rules.
 *
 * Rules: non-empty; no leading `.` or `_` (also for the part after a scope); no leading or
 * trailing spaces; not `node_modules` or `favicon.ico`; not a Node.js core module name; at most
 * 214 characters; lowercase only; none of `~'!()*` in the part after the scope; and URL-safe
 * (`encodeURIComponent` leaves it unchanged), except for the single `/` of a scoped name
 * `@scope/name` whose scope and name are each URL-safe.
 *
 * @param {string} name  The candidate package name, exactly as it would go into package.json.
 * @returns {PackageNameCheck}
 */
export function checkPackageName(name) {
  /** @type {string[]} */
  const errors = [];
  /** @type {string[]} */
  const warnings = [];
  if (typeof name !== "string") {
    return { valid: false, errors: ["name must be a string"], warnings };
  }
  if (name.length === 0) errors.push("name length must be greater than zero");
  if (name.startsWith(".")) errors.push("name cannot start with a period");
  if (name.startsWith("_")) errors.push("name cannot start with an underscore");
  if (name.trim() !== name) errors.push("name cannot contain leading or trailing spaces");
  for (const excluded of EXCLUDED_NAMES) {
    if (name.toLowerCase() === excluded) errors.push(`${excluded} is not a valid package name`);
  }

  if (builtinModules.includes(name.toLowerCase())) warnings.push(`${name} is a core module name`);
  if (name.length > MAX_PACKAGE_NAME_LENGTH) {
    warnings.push(`name can no longer contain more than ${MAX_PACKAGE_NAME_LENGTH} characters`);
  }
  if (name.toLowerCase() !== name) warnings.push("name can no longer contain capital letters");
  const lastPart = name.split("/").slice(-1)[0] ?? "";
  if (/[~'!()*]/.test(lastPart)) {
    warnings.push(`name can no longer contain special characters ("~'!()*")`);
  }

  if (encodeURIComponent(name) !== name) {
    const match = SCOPED_NAME.exec(name);
    const scope = match?.[1];
    const bare = match?.[2];
    let scopedAndSafe = false;
    if (scope !== undefined && bare !== undefined) {
      if (bare.startsWith(".")) errors.push("name cannot start with a period");
      scopedAndSafe = encodeURIComponent(scope) === scope && encodeURIComponent(bare) === bare;
    }
    if (!scopedAndSafe) errors.push("name can only contain URL-friendly characters");
  }

  return { valid: errors.length === 0 && warnings.length === 0, errors, warnings };
}

/**
 * Turns an arbitrary string (typically a directory name such as `My DeFi App`) into a package
 * name that passes {@link checkPackageName}, for use as a suggestion. Drops accents, lowercases,
 * replaces each run of characters other than `a-z 0-9 . _ -` with `-`, strips leading `.`, `_`
 * and `-` and trailing `-`, trims to 214 characters, and falls back to `hardhat-parallel-app`
 * when nothing usable is left or the result is a reserved or core-module name.
 *
 * @param {string} input  Any string.
 * @returns {string}  A valid package name.
 */
export function suggestPackageName(input) {
  let name = input
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "") // drop accents: "Ünïcode" -> "Unicode"
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[._-]+/, "")
    .replace(/-+$/, "")
    .slice(0, MAX_PACKAGE_NAME_LENGTH)
    .replace(/-+$/, "");
  if (!checkPackageName(name).valid) name = "hardhat-parallel-app";
  return name;
}

/**
 * Formats the result of {@link checkPackageName} as one human-readable sentence.
 *
 * @param {string} name
 * @param {PackageNameCheck} check
 * @returns {string}  e.g. `"My App" is not a valid npm package name: name can no longer contain
 *   capital letters; name can only contain URL-friendly characters`.
 */
export function describePackageNameProblems(name, check) {
  return `${JSON.stringify(name)} is not a valid npm package name: ${[...check.errors, ...check.warnings].join("; ")}`;
}
