// @ts-check
/**
 * Package-manager detection and commands for `hardhat-parallel create`.
 *
 * @module
 */

/** The package managers `create` can install with and print commands for. */
export const PACKAGE_MANAGERS = /** @type {const} */ (["npm", "pnpm", "yarn"]);

/** @typedef {(typeof PACKAGE_MANAGERS)[number]} PackageManager */

/**
 * @param {unknown} value
 * @returns {value is PackageManager}
 */
export function isPackageManager(value) {
  return (
    typeof value === "string" && /** @type {readonly string[]} */ (PACKAGE_MANAGERS).includes(value)
  );
}

/**
 * Detects the package manager that launched this process from `npm_config_user_agent`, which
 * npm, pnpm and yarn set for the scripts and binaries they run (`npm exec`, `npx`, `pnpm dlx`,
 * `pnpm create`, `yarn create`, `yarn dlx`). Its first token is `<name>/<version>`, e.g.
 * `pnpm/9.12.0 npm/? node/v22.13.0 linux x64`.
 *
 * @param {string | undefined} userAgent  The value of `npm_config_user_agent`, if any.
 * @returns {PackageManager}  The detected manager; `npm` when the variable is unset or names
 *   another tool (bun, deno, …).
 */
export function detectPackageManager(userAgent) {
  const name = (userAgent ?? "").trim().split(/\s+/)[0]?.split("/")[0] ?? "";
  return isPackageManager(name) ? name : "npm";
}

/**
 * The command that installs a project's dependencies.
 *
 * @param {PackageManager} pm
 * @returns {{ command: string, args: string[] }}  e.g. `{ command: "npm", args: ["install"] }`.
 */
export function installCommand(pm) {
  return { command: pm, args: ["install"] };
}

/**
 * How to run a binary of the project's dependencies (`hardhat`) with this package manager, as
 * shown in the "next steps": `npx hardhat`, `pnpm hardhat`, `yarn hardhat`.
 *
 * @param {PackageManager} pm
 * @param {string} bin  The binary, e.g. `hardhat`.
 * @returns {string}
 */
export function runBinCommand(pm, bin) {
  return pm === "npm" ? `npx ${bin}` : `${pm} ${bin}`;
}
