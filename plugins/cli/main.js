// @ts-check
/**
 * The `hardhat-parallel` command line: dispatches to subcommands. Today there is one, `create`.
 *
 * @module
 */
import { runCreate } from "./create.js";
import { readOwnPackageJson } from "./templates.js";

/** @typedef {import("./create.js").CliIo} CliIo */

/** Top-level help. */
export const MAIN_HELP = `Usage: hardhat-parallel <command> [options]

Commands:
  create [dir]    create a project from a template (minimal, vault, lending, amm);
                  see \`hardhat-parallel create --help\`

Options:
  -h, --help      show this help and exit
  -v, --version   print the version and exit

The Hardhat plugin itself is used from hardhat.config.ts:
  import hardhatParallel from "hardhat-parallel";
`;

/**
 * Runs the command line.
 *
 * @param {string[]} argv  Arguments after the program name, e.g. `["create", "my-app"]`.
 * @param {Partial<CliIo>} [io]  Streams and environment; the process's by default.
 * @returns {Promise<number>}  Exit code: 0 done, 1 refused/failed/cancelled, 2 usage error.
 */
export async function main(argv, io = {}) {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    if (command === "help" && rest[0] === "create") return runCreate(["--help"], io);
    stdout.write(MAIN_HELP);
    return 0;
  }
  if (command === "-v" || command === "--version") {
    stdout.write(`${(await readOwnPackageJson(io.packageRoot)).version}\n`);
    return 0;
  }
  if (command === "create") return runCreate(rest, io);
  stderr.write(
    `hardhat-parallel: error: unknown command ${JSON.stringify(command)}.\n` +
      `Run \`hardhat-parallel --help\` for the commands, e.g. \`hardhat-parallel create my-app\`.\n`,
  );
  return 2;
}
