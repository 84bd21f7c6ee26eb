// @ts-check
/**
 * `hardhat-parallel create [dir]`: scaffolds a Hardhat 3 project from one of the package's
 * templates (see `templates.js` for which files a project gets).
 *
 * Behaviour:
 * - Interactive (both stdin and stdout are terminals, and no `--yes`): prompts, with
 *   `@clack/prompts`, for whatever the flags leave open — directory, package name (only when the
 *   directory's name is not a valid npm package name), template, whether to install, and whether
 *   to write into a non-empty directory.
 * - Otherwise (CI, pipes, `--yes`): never prompts; uses the defaults below, and fails with a
 *   message saying what to pass when a default cannot work.
 * - Defaults: directory `hardhat-parallel-app`, template `minimal`, install on, package manager
 *   detected from `npm_config_user_agent` (else npm).
 * - Never overwrites a file. A non-empty directory (one holding anything but `.git`) is refused
 *   unless `--force` (or a "yes" to the interactive question); then the template's files that
 *   already exist there are kept, skipped and listed, and everything else is written.
 *
 * Exit codes: 0 done; 1 refused, failed or cancelled; 2 bad command line.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { constants as fsConstants } from "node:fs";
import { access, lstat, mkdir, readdir, realpath, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import * as clack from "@clack/prompts";

import {
  checkPackageName,
  describePackageNameProblems,
  suggestPackageName,
} from "./package-name.js";
import {
  PACKAGE_MANAGERS,
  detectPackageManager,
  installCommand,
  isPackageManager,
  runBinCommand,
} from "./package-manager.js";
import {
  DEFAULT_TEMPLATE,
  PACKAGE_ROOT,
  TEMPLATE_CATALOG,
  planProjectFiles,
  readOwnPackageJson,
  templateStatuses,
} from "./templates.js";

/** @typedef {import("./package-manager.js").PackageManager} PackageManager */
/** @typedef {import("./templates.js").PlannedFile} PlannedFile */

/** Directory created when none is given and nobody is asked. */
export const DEFAULT_DIRECTORY = "hardhat-parallel-app";

/**
 * Where the command reads and writes; the real process by default, replaceable in tests.
 *
 * @typedef {object} CliIo
 * @property {import("node:stream").Readable & { isTTY?: boolean }} stdin
 * @property {import("node:stream").Writable & { isTTY?: boolean }} stdout
 * @property {import("node:stream").Writable} stderr
 * @property {Record<string, string | undefined>} env
 * @property {string} cwd  Directory that relative paths are resolved against.
 * @property {string} [packageRoot]  Installed package to read templates from; default
 *   {@link PACKAGE_ROOT}.
 */

/** An error whose message is shown as is, with the exit code to use. */
export class CliError extends Error {
  /**
   * @param {string} message  What went wrong and what to do next.
   * @param {number} [exitCode]  1 (default) for refusals and failures, 2 for usage errors.
   */
  constructor(message, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** Thrown when the user cancels a prompt (Ctrl-C / Esc). */
class Cancelled extends Error {}

/** The `parseArgs` option table of `create`. */
const CREATE_OPTIONS = /** @type {const} */ ({
  template: { type: "string", short: "t" },
  name: { type: "string" },
  install: { type: "boolean" },
  "package-manager": { type: "string" },
  yes: { type: "boolean", short: "y" },
  force: { type: "boolean", short: "f" },
  list: { type: "boolean" },
  help: { type: "boolean", short: "h" },
});

/**
 * The help text of `create`, listing the templates this installation ships.
 *
 * @param {string} [packageRoot]
 * @returns {Promise<string>}
 */
export async function createHelp(packageRoot = PACKAGE_ROOT) {
  const available = (await templateStatuses(packageRoot))
    .filter((t) => t.available)
    .map((t) => t.name);
  const templates = available.length > 0 ? available.join(" | ") : "(none in this installation)";
  return `Usage: hardhat-parallel create [dir] [options]

Creates a Hardhat 3 project for parallel-executing chains: a template's annotated
contracts and tests, a hardhat.config.ts with the hardhat-parallel plugin and its
\`parallel\` network, an offline solc, and dependencies pinned to tested versions.

Arguments:
  dir                        directory to create (default: ${DEFAULT_DIRECTORY}); its name
                             is the package name unless --name is given

Options:
  -t, --template <name>      ${templates} (default: ${DEFAULT_TEMPLATE})
      --name <name>          npm package name (default: the directory's name)
      --install              install the dependencies afterwards (default)
      --no-install           do not install them
      --package-manager <pm> ${PACKAGE_MANAGERS.join(" | ")} (default: the one running this command,
                             from npm_config_user_agent; otherwise npm)
  -y, --yes                  accept the defaults for everything not given; never prompt
  -f, --force                write into a non-empty directory; files that already exist
                             there are kept (never overwritten), skipped and listed
      --list                 list the templates and exit
  -h, --help                 show this help and exit

In a terminal, asks for whatever the options leave open. Without a terminal (CI, pipes)
or with --yes it never asks and uses the defaults.

Examples:
  npx hardhat-parallel create my-dex --template amm
  npx hardhat-parallel create . --yes --no-install
`;
}

/**
 * Runs `hardhat-parallel create` with the arguments that follow `create`.
 *
 * @param {string[]} argv  e.g. `["my-app", "--template", "vault", "--no-install"]`.
 * @param {Partial<CliIo>} [partialIo]  Streams and environment; the process's by default.
 * @returns {Promise<number>}  The exit code (0 done, 1 refused/failed/cancelled, 2 usage error).
 */
export async function runCreate(argv, partialIo = {}) {
  /** @type {CliIo} */
  const io = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    ...partialIo,
  };
  const interactiveCapable = io.stdin.isTTY === true && io.stdout.isTTY === true;
  /** @type {Ui | undefined} */
  let ui;
  try {
    const args = parseCreateArgs(argv);
    const packageRoot = io.packageRoot ?? PACKAGE_ROOT;
    if (args.help) {
      io.stdout.write(await createHelp(packageRoot));
      return 0;
    }
    if (args.list) {
      io.stdout.write(await formatTemplateList(packageRoot));
      return 0;
    }
    const interactive = interactiveCapable && !args.yes;
    ui = interactive ? clackUi(io) : plainUi(io);
    await create(args, io, ui, packageRoot, interactive);
    return 0;
  } catch (error) {
    if (error instanceof Cancelled) {
      clack.cancel("Cancelled; nothing was written.", { output: io.stdout });
      return 1;
    }
    if (error instanceof CliError) {
      (ui ?? plainUi(io)).error(error.message);
      return error.exitCode;
    }
    throw error;
  }
}

/**
 * @typedef {object} CreateArgs
 * @property {string | undefined} dir
 * @property {string | undefined} template
 * @property {string | undefined} name
 * @property {boolean | undefined} install  Undefined when neither --install nor --no-install.
 * @property {PackageManager | undefined} packageManager
 * @property {boolean} yes
 * @property {boolean} force
 * @property {boolean} list
 * @property {boolean} help
 */

/**
 * Parses and checks the arguments of `create`.
 *
 * @param {string[]} argv
 * @returns {CreateArgs}
 * @throws {CliError} (exit code 2) on unknown options, missing option values, more than one
 *   directory, an unknown template or package manager, or both --install and --no-install.
 */
export function parseCreateArgs(argv) {
  const { values, positionals, tokens } = parseCreateArgv(argv);
  if (positionals.length > 1) {
    throw usageError(
      `expected at most one directory, got ${positionals.map((p) => JSON.stringify(p)).join(", ")}`,
    );
  }
  const installFlags = new Set(
    tokens
      .filter((t) => t.kind === "option" && t.name === "install")
      .map((t) => (t.kind === "option" ? t.rawName : "")),
  );
  if (installFlags.has("--install") && installFlags.has("--no-install")) {
    throw usageError("--install and --no-install contradict each other; pass one of them");
  }
  const template = values.template;
  if (template !== undefined && !TEMPLATE_CATALOG.some((t) => t.name === template)) {
    throw usageError(
      `unknown template "${template}"; choose one of ${TEMPLATE_CATALOG.map((t) => t.name).join(", ")} (see --list)`,
    );
  }
  const pm = values["package-manager"];
  if (pm !== undefined && !isPackageManager(pm)) {
    throw usageError(
      `unknown package manager "${pm}"; choose one of ${PACKAGE_MANAGERS.join(", ")}`,
    );
  }
  return {
    dir: positionals[0],
    template,
    name: values.name,
    install: values.install,
    packageManager: pm,
    yes: values.yes ?? false,
    force: values.force ?? false,
    list: values.list ?? false,
    help: values.help ?? false,
  };
}

/**
 * `parseArgs` over {@link CREATE_OPTIONS}, strict, with `--no-<flag>` negation and tokens.
 *
 * @param {string[]} argv
 * @throws {CliError} (exit code 2) with parseArgs' message on unknown or malformed options.
 */
function parseCreateArgv(argv) {
  try {
    return parseArgs({
      args: argv,
      options: CREATE_OPTIONS,
      allowPositionals: true,
      allowNegative: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw usageError(/** @type {Error} */ (error).message);
  }
}

/**
 * @param {string} message
 * @returns {CliError}
 */
function usageError(message) {
  return new CliError(`${message}\nRun \`hardhat-parallel create --help\` for the options.`, 2);
}

/**
 * The `--list` output: one line per template this installation ships.
 *
 * @param {string} [packageRoot]
 * @returns {Promise<string>}
 */
export async function formatTemplateList(packageRoot = PACKAGE_ROOT) {
  const statuses = await templateStatuses(packageRoot);
  const available = statuses.filter((t) => t.available);
  if (available.length === 0) {
    return "This installation of hardhat-parallel ships no complete template; reinstall the package.\n";
  }
  const width = Math.max(...available.map((t) => t.name.length));
  const lines = available.map(
    (t) =>
      `  ${t.name.padEnd(width)}  ${t.description}${t.name === DEFAULT_TEMPLATE ? " (default)" : ""}`,
  );
  return `Templates:\n${lines.join("\n")}\n`;
}

/**
 * The whole create flow once arguments are parsed.
 *
 * @param {CreateArgs} args
 * @param {CliIo} io
 * @param {Ui} ui
 * @param {string} packageRoot
 * @param {boolean} interactive
 * @returns {Promise<void>}
 */
async function create(args, io, ui, packageRoot, interactive) {
  const { version } = await readOwnPackageJson(packageRoot);
  const statuses = await templateStatuses(packageRoot);
  const available = statuses.filter((t) => t.available);
  if (args.template !== undefined) {
    // Fail before asking anything when the chosen template cannot be used.
    const status = statuses.find((t) => t.name === args.template);
    if (status !== undefined && !status.available) {
      throw new CliError(
        `template "${status.name}" is not complete in hardhat-parallel ${version} (missing: ${status.missing.join(", ")}).\n` +
          `To fix: choose another template; \`hardhat-parallel create --list\` lists those this version ships.`,
      );
    }
  } else if (available.length === 0) {
    throw new CliError(
      `this installation of hardhat-parallel ships no complete template.\nTo fix: reinstall hardhat-parallel.`,
    );
  }
  ui.intro(`hardhat-parallel ${version} — create a project`);

  // 1. Directory and package name.
  let dirArg = args.dir;
  if (dirArg === undefined) {
    const answer = interactive
      ? await ask(
          clack.text({
            message: "Project directory (its name is the package name)",
            placeholder: DEFAULT_DIRECTORY,
            defaultValue: DEFAULT_DIRECTORY,
            validate: (value) => {
              if (args.name !== undefined) return undefined;
              const base = path.basename(
                path.resolve(io.cwd, (value ?? "").trim() || DEFAULT_DIRECTORY),
              );
              const check = checkPackageName(base);
              return check.valid ? undefined : describePackageNameProblems(base, check);
            },
            input: io.stdin,
            output: io.stdout,
          }),
        )
      : DEFAULT_DIRECTORY;
    dirArg = answer.trim() || DEFAULT_DIRECTORY;
  }
  const target = path.resolve(io.cwd, dirArg);
  let packageName = args.name ?? path.basename(target);
  const nameCheck = checkPackageName(packageName);
  if (!nameCheck.valid) {
    const suggestion = suggestPackageName(packageName);
    if (!interactive || args.name !== undefined) {
      const fix =
        args.name !== undefined
          ? `pass a valid --name, e.g. --name ${suggestion}`
          : `choose a directory whose name is a valid package name, or pass --name ${suggestion}`;
      throw new CliError(
        `${describePackageNameProblems(packageName, nameCheck)}.\nTo fix: ${fix}.`,
      );
    }
    ui.warn(describePackageNameProblems(packageName, nameCheck));
    packageName = await ask(
      clack.text({
        message: "Package name",
        initialValue: suggestion,
        validate: (value) => {
          const check = checkPackageName(value ?? "");
          return check.valid ? undefined : describePackageNameProblems(value ?? "", check);
        },
        input: io.stdin,
        output: io.stdout,
      }),
    );
  }

  // 2. The directory must not exist as a file, and must be empty unless forced.
  const existing = await directoryEntries(target);
  let force = args.force;
  if (existing.length > 0 && !force) {
    const shown = displayPath(io.cwd, target);
    if (!interactive) {
      throw new CliError(
        `${shown} is not empty (it holds ${describeEntries(existing)}); nothing was written.\n` +
          `To fix: choose a new or empty directory, or pass --force to add the template's files ` +
          `there (files that already exist are kept, never overwritten).`,
      );
    }
    force = await ask(
      clack.confirm({
        message: `${shown} is not empty (${describeEntries(existing)}). Add the template's files anyway? Existing files are kept, never overwritten.`,
        initialValue: false,
        input: io.stdin,
        output: io.stdout,
      }),
    );
    if (!force) throw new Cancelled();
  }

  // 3. Template.
  let template = args.template;
  if (template === undefined) {
    const fallback = available.some((t) => t.name === DEFAULT_TEMPLATE)
      ? DEFAULT_TEMPLATE
      : available[0]?.name;
    if (interactive && available.length > 1) {
      template = await ask(
        clack.select({
          message: "Template",
          options: available.map((t) => ({ value: t.name, label: t.name, hint: t.description })),
          initialValue: fallback,
          input: io.stdin,
          output: io.stdout,
        }),
      );
    } else {
      template = fallback ?? DEFAULT_TEMPLATE;
    }
  }

  // 4. Install?
  const packageManager = args.packageManager ?? detectPackageManager(io.env.npm_config_user_agent);
  let install = args.install;
  if (install === undefined) {
    install = interactive
      ? await ask(
          clack.confirm({
            message: `Install the dependencies now (${packageManager} install)?`,
            initialValue: true,
            input: io.stdin,
            output: io.stdout,
          }),
        )
      : true;
  }

  // 5. Plan, check for conflicts, write.
  let files;
  try {
    files = await planProjectFiles({ template, packageName, packageRoot });
  } catch (error) {
    throw new CliError(`${/** @type {Error} */ (error).message}.`);
  }
  const { toWrite, kept } = await sortOutConflicts(files, target, io.cwd);
  const written = await writeProject(toWrite, target, kept);
  const shown = displayPath(io.cwd, target);
  ui.success(`Created ${shown} from the "${template}" template: ${written.length} files written.`);
  if (kept.length > 0) {
    ui.warn(
      `${kept.length} file(s) already existed and were kept (not overwritten); compare them with the template's by hand:\n` +
        kept.map((f) => `  ${f.target}  (template: ${f.origin})`).join("\n") +
        (kept.some((f) => f.target === "package.json")
          ? `\nYour package.json was kept: add the template's "type", "engines" and "devDependencies" to it before installing.`
          : ""),
    );
  }

  // 6. Install.
  let installed = false;
  if (install) {
    const { command, args: installArgs } = installCommand(packageManager);
    ui.step(`Installing dependencies: ${command} ${installArgs.join(" ")} (in ${shown})`);
    const code = await runInstall(command, installArgs, target, io.env);
    if (code !== 0) {
      throw new CliError(
        `\`${command} ${installArgs.join(" ")}\` failed (${code === -1 ? `${command} was not found on PATH` : `exit code ${code}`}); the project's files are in place.\n` +
          `To fix: ${cdHint(io.cwd, target)}run \`${command} install\` again under Node >= 22.13` +
          (code === -1
            ? `, or pass --package-manager with one you have (${PACKAGE_MANAGERS.join(", ")})`
            : "") +
          ".",
      );
    }
    installed = true;
  }

  // 7. Next steps.
  ui.nextSteps(nextSteps({ cwd: io.cwd, target, packageManager, installed }));
}

/**
 * Awaits a clack prompt and turns a cancellation into {@link Cancelled}.
 *
 * @template T
 * @param {Promise<T>} prompt
 * @returns {Promise<Exclude<T, symbol>>}
 */
async function ask(prompt) {
  const value = await prompt;
  if (clack.isCancel(value)) throw new Cancelled();
  return /** @type {Exclude<T, symbol>} */ (value);
}

/**
 * Entries of `dir` that make it "not empty": everything but a `.git` directory. Empty when `dir`
 * does not exist.
 *
 * @param {string} dir
 * @returns {Promise<string[]>}
 * @throws {CliError} When `dir` exists but is not a directory.
 */
async function directoryEntries(dir) {
  const kind = await lstatKind(dir);
  if (kind === "missing") return [];
  if (kind !== "directory") {
    throw new CliError(
      `${dir} exists and is not a directory; nothing was written.\nTo fix: choose another path.`,
    );
  }
  return (await readdir(dir)).filter((name) => name !== ".git").sort();
}

/**
 * @param {string[]} entries
 * @returns {string}  e.g. `README.md, contracts and 3 more`.
 */
function describeEntries(entries) {
  const shown = entries.slice(0, 3).join(", ");
  return entries.length > 3 ? `${shown} and ${entries.length - 3} more` : shown;
}

/**
 * Splits the planned files into those to write and those that already exist (kept).
 *
 * @param {PlannedFile[]} files
 * @param {string} target  Project directory (absolute).
 * @param {string} cwd
 * @returns {Promise<{ toWrite: PlannedFile[], kept: PlannedFile[] }>}
 * @throws {CliError} When a file's parent path exists as something other than a directory
 *   (e.g. a file named `contracts`), which no option can resolve without deleting user data.
 */
async function sortOutConflicts(files, target, cwd) {
  /** @type {PlannedFile[]} */
  const toWrite = [];
  /** @type {PlannedFile[]} */
  const kept = [];
  /** @type {Map<string, string>} */
  const kinds = new Map();
  /** @param {string} p */
  const kindOf = async (p) => {
    let kind = kinds.get(p);
    if (kind === undefined) {
      kind = await lstatKind(p);
      kinds.set(p, kind);
    }
    return kind;
  };
  for (const file of files) {
    const parts = file.target.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = path.join(target, ...parts.slice(0, i));
      const kind = await kindOf(parent);
      if (kind !== "missing" && kind !== "directory") {
        throw new CliError(
          `cannot create ${displayPath(cwd, path.join(target, file.target))}: ${displayPath(cwd, parent)} exists and is not a directory; nothing was written.\n` +
            `To fix: move ${displayPath(cwd, parent)} away, or choose another directory.`,
        );
      }
    }
    const kind = await kindOf(path.join(target, ...parts));
    (kind === "missing" ? toWrite : kept).push(file);
  }
  return { toWrite, kept };
}

/**
 * Writes `files` below `target`, creating directories as needed. Uses exclusive creation
 * (`wx`), so a file that appears between the check and the write is kept, not overwritten; it
 * is appended to `kept`.
 *
 * @param {PlannedFile[]} files
 * @param {string} target
 * @param {PlannedFile[]} kept  Receives files found to exist at write time.
 * @returns {Promise<PlannedFile[]>}  The files written.
 */
async function writeProject(files, target, kept) {
  /** @type {PlannedFile[]} */
  const written = [];
  await mkdir(target, { recursive: true });
  for (const file of files) {
    const destination = path.join(target, ...file.target.split("/"));
    await mkdir(path.dirname(destination), { recursive: true });
    try {
      await writeFile(destination, file.content, { flag: "wx" });
      written.push(file);
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== "EEXIST") throw error;
      kept.push(file);
    }
  }
  return written;
}

/**
 * Runs the install command in `cwd` with the terminal attached. When the first `node` on PATH
 * is not the Node running this command, Node's own directory is put first on PATH, so that the
 * package manager (whose launcher runs `node` from PATH) uses the same Node (>= 22.13): npm run
 * under an older Node silently skips the native binary of Hardhat's EDR.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {string} cwd
 * @param {Record<string, string | undefined>} env
 * @returns {Promise<number>}  The exit code; -1 when the command was not found.
 */
async function runInstall(command, args, cwd, env) {
  let PATH = env.PATH ?? "";
  const current = await realpathOrSelf(process.execPath);
  const onPath = await firstOnPath(process.platform === "win32" ? "node.exe" : "node", PATH);
  if (onPath === undefined || (await realpathOrSelf(onPath)) !== current) {
    PATH = [path.dirname(process.execPath), PATH].filter(Boolean).join(path.delimiter);
  }
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...env, PATH },
      stdio: ["ignore", "inherit", "inherit"],
      shell: process.platform === "win32",
    });
    child.on("error", (error) => {
      resolve(/** @type {NodeJS.ErrnoException} */ (error).code === "ENOENT" ? -1 : 1);
    });
    child.on("close", (code) => resolve(code ?? 1));
  });
}

/**
 * @param {string} name  Executable file name.
 * @param {string} PATH
 * @returns {Promise<string | undefined>}  The first executable `name` in PATH's directories.
 */
async function firstOnPath(name, PATH) {
  for (const dir of PATH.split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * @param {string} p
 * @returns {Promise<string>}  `p` with symlinks resolved, or `p` itself when that fails.
 */
async function realpathOrSelf(p) {
  try {
    return await realpath(p);
  } catch {
    return p;
  }
}

/**
 * The closing "next steps": one command per line (with what it does), then a pointer to the
 * README. Shown under a "Next steps" heading.
 *
 * @param {{ cwd: string, target: string, packageManager: PackageManager, installed: boolean }} options
 * @returns {string}
 */
export function nextSteps({ cwd, target, packageManager, installed }) {
  const hardhat = runBinCommand(packageManager, "hardhat");
  /** @type {Array<[string, string]>} */
  const steps = [];
  const relative = path.relative(cwd, target);
  if (relative !== "") steps.push([`cd ${shellQuote(relative)}`, ""]);
  if (!installed) steps.push([`${packageManager} install`, "(needs Node >= 22.13)"]);
  steps.push([`${hardhat} build`, "compile; checks the @custom:reads/@custom:writes annotations"]);
  steps.push([
    `${hardhat} test`,
    "run the tests on the `parallel` network; prints the parallelism report",
  ]);
  const width = Math.max(...steps.map(([command]) => command.length));
  const lines = steps.map(([command, note]) => `  ${command.padEnd(width)}  ${note}`.trimEnd());
  return `${lines.join("\n")}\n\nREADME.md explains the annotations, the report and the contention assertions.`;
}

/**
 * @param {string} cwd
 * @param {string} target
 * @returns {string}  `cd <dir> && ` or "" when target is cwd.
 */
function cdHint(cwd, target) {
  const relative = path.relative(cwd, target);
  return relative === "" ? "" : `\`cd ${shellQuote(relative)}\`, then `;
}

/**
 * @param {string} s
 * @returns {string}  `s`, single-quoted for POSIX shells when it holds anything unusual.
 */
function shellQuote(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * @param {string} cwd
 * @param {string} p
 * @returns {string}  `p` relative to `cwd` when inside it (`.` for cwd itself), else absolute.
 */
function displayPath(cwd, p) {
  const relative = path.relative(cwd, p);
  if (relative === "") return ".";
  return relative.startsWith("..") || path.isAbsolute(relative) ? p : relative;
}

/**
 * @param {string} p
 * @returns {Promise<"file" | "directory" | "other" | "missing">}  Without following symlinks.
 */
async function lstatKind(p) {
  try {
    const s = await lstat(p);
    return s.isFile() ? "file" : s.isDirectory() ? "directory" : "other";
  } catch (error) {
    const code = /** @type {NodeJS.ErrnoException} */ (error).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw error;
  }
}

/**
 * How messages reach the user: clack's framed log in interactive mode, plain lines otherwise.
 *
 * @typedef {object} Ui
 * @property {(message: string) => void} intro
 * @property {(message: string) => void} step
 * @property {(message: string) => void} success
 * @property {(message: string) => void} warn
 * @property {(message: string) => void} error
 * @property {(steps: string) => void} nextSteps  Closes the output with the next steps.
 */

/**
 * @param {CliIo} io
 * @returns {Ui}
 */
function clackUi(io) {
  const output = io.stdout;
  return {
    intro: (message) => clack.intro(message, { output }),
    step: (message) => clack.log.step(message, { output }),
    success: (message) => clack.log.success(message, { output }),
    warn: (message) => clack.log.warn(message, { output }),
    error: (message) => clack.log.error(message, { output }),
    nextSteps: (steps) => {
      clack.note(steps, "Next steps", { output });
      clack.outro("Project ready.", { output });
    },
  };
}

/**
 * @param {CliIo} io
 * @returns {Ui}
 */
function plainUi(io) {
  return {
    intro: () => {},
    step: (message) => io.stdout.write(`${message}\n`),
    success: (message) => io.stdout.write(`${message}\n`),
    warn: (message) => io.stderr.write(`warning: ${message}\n`),
    error: (message) => io.stderr.write(`hardhat-parallel create: error: ${message}\n`),
    nextSteps: (steps) => io.stdout.write(`\nNext steps:\n${steps}\n`),
  };
}
