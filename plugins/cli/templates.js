// @ts-check
/**
 * The project templates of `hardhat-parallel create` and the files a new project gets.
 *
 * Templates are read at run time from the installed package directory — the same files the
 * repository tests, no second copy:
 *
 * - `templates/shared/`: files common to every project. `package.template.json` becomes
 *   `package.json` (with the project's name and this package's version filled in), a file named
 *   `gitignore` becomes `.gitignore` (npm drops `.gitignore` files from published packages), any
 *   `.gitignore` there is ignored, and everything else is copied as is.
 * - `templates/<name>/contracts/`, `templates/<name>/test/` and `templates/<name>/README.md`:
 *   the template's own files, copied as is. Contracts may import the library as
 *   `hardhat-parallel/contracts/...`, which resolves from the project's `node_modules`.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Root of the installed `hardhat-parallel` package: the nearest directory above this module that
 * holds a `package.json` (`plugins/cli/` in the repository, `dist/plugins/cli/` in the package).
 */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/**
 * @param {string} from  Directory to start from.
 * @returns {string} `from` or its nearest ancestor holding a `package.json`, with a trailing separator.
 */
function findPackageRoot(from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json")))
      return dir.endsWith(path.sep) ? dir : dir + path.sep;
    if (path.dirname(dir) === dir)
      throw new Error(`hardhat-parallel: no package.json above ${from}`);
  }
}

/**
 * @typedef {object} TemplateInfo
 * @property {string} name  `minimal`, `vault`, `lending` or `amm`.
 * @property {string} description  One line shown by `--list` and the interactive picker.
 */

/** Every template `create` knows, in the order they are offered. */
export const TEMPLATE_CATALOG = /** @type {const} */ ([
  {
    name: "minimal",
    description: "one annotated contract with a sharded counter, and a test that checks contention",
  },
  {
    name: "vault",
    description: "a vault whose per-user state is sharded, beside a conventional baseline vault",
  },
  {
    name: "lending",
    description: "a lending market with sharded accounting, beside a conventional baseline",
  },
  {
    name: "amm",
    description: "an AMM with sharded pools, beside a conventional constant-product baseline",
  },
]);

/** The template used when none is chosen. */
export const DEFAULT_TEMPLATE = "minimal";

/** What a template directory must contain to be offered. */
const TEMPLATE_PARTS = /** @type {const} */ ([
  { name: "contracts", kind: "directory" },
  { name: "test", kind: "directory" },
  { name: "README.md", kind: "file" },
]);

/** Name, in `templates/shared/`, of the file that becomes the project's `package.json`. */
export const PACKAGE_JSON_TEMPLATE = "package.template.json";

/** Build outputs and OS litter never copied from a template, should a template dir hold any. */
const NEVER_COPIED = new Set([
  "node_modules",
  "artifacts",
  "cache",
  "types",
  "coverage",
  ".DS_Store",
]);

/**
 * @typedef {object} TemplateStatus
 * @property {string} name
 * @property {string} description
 * @property {boolean} available  True when all its parts are present in the installed package.
 * @property {string[]} missing  Paths (relative to the package root) of the parts that are not.
 */

/**
 * Reports which templates of the catalog the installed package actually contains.
 *
 * @param {string} [packageRoot]  Package directory to look in; default {@link PACKAGE_ROOT}.
 * @returns {Promise<TemplateStatus[]>}  One entry per catalog template, in catalog order.
 */
export async function templateStatuses(packageRoot = PACKAGE_ROOT) {
  /** @type {TemplateStatus[]} */
  const statuses = [];
  for (const { name, description } of TEMPLATE_CATALOG) {
    /** @type {string[]} */
    const missing = [];
    for (const part of TEMPLATE_PARTS) {
      const kind = await pathKind(path.join(packageRoot, "templates", name, part.name));
      if (kind !== part.kind) missing.push(`templates/${name}/${part.name}`);
    }
    statuses.push({ name, description, available: missing.length === 0, missing });
  }
  return statuses;
}

/**
 * One file of the project to be created.
 *
 * @typedef {object} PlannedFile
 * @property {string} target  Path relative to the project directory, with `/` separators.
 * @property {Buffer} content  Bytes to write.
 * @property {string} origin  The template file it comes from (absolute path).
 */

/**
 * @typedef {object} PlanOptions
 * @property {string} template  Template name; must be available.
 * @property {string} packageName  The project's npm package name (already validated).
 * @property {string} [packageRoot]  Default {@link PACKAGE_ROOT}.
 */

/**
 * Lists every file of a new project built from `template`, with its content.
 *
 * @param {PlanOptions} options
 * @returns {Promise<PlannedFile[]>}  Sorted by target path.
 * @throws {Error} When the template is unknown or incomplete, when two template files map to
 *   the same project path, or when `package.template.json` is missing or not valid JSON.
 */
export async function planProjectFiles({ template, packageName, packageRoot = PACKAGE_ROOT }) {
  const status = (await templateStatuses(packageRoot)).find((t) => t.name === template);
  if (status === undefined) {
    throw new Error(
      `unknown template "${template}"; choose one of ${TEMPLATE_CATALOG.map((t) => t.name).join(", ")}`,
    );
  }
  if (!status.available) {
    const version = (await readOwnPackageJson(packageRoot)).version;
    throw new Error(
      `template "${template}" is not complete in hardhat-parallel ${version} (missing: ${status.missing.join(", ")}); ` +
        `run \`hardhat-parallel create --list\` to see the templates this version ships`,
    );
  }

  const sharedDir = path.join(packageRoot, "templates", "shared");
  const templateDir = path.join(packageRoot, "templates", template);
  /** @type {Map<string, PlannedFile>} */
  const files = new Map();
  /** @param {PlannedFile} file */
  const add = (file) => {
    const previous = files.get(file.target);
    if (previous !== undefined) {
      throw new Error(
        `template files ${previous.origin} and ${file.origin} would both be written to ${file.target}`,
      );
    }
    files.set(file.target, file);
  };

  let sawPackageJson = false;
  for (const relative of await listFiles(sharedDir)) {
    const origin = path.join(sharedDir, relative);
    const base = path.posix.basename(relative);
    const dir = path.posix.dirname(relative);
    if (base === ".gitignore") continue; // shipped as `gitignore`; see the module comment
    if (relative === PACKAGE_JSON_TEMPLATE) {
      sawPackageJson = true;
      const own = await readOwnPackageJson(packageRoot);
      const content = renderPackageJson(
        await readFile(origin, "utf8"),
        origin,
        packageName,
        own.version,
      );
      add({ target: "package.json", content: Buffer.from(content), origin });
      continue;
    }
    const target = base === "gitignore" ? path.posix.join(dir, ".gitignore") : relative;
    add({ target, content: await readFile(origin), origin });
  }
  if (!sawPackageJson) {
    throw new Error(
      `${path.join(sharedDir, PACKAGE_JSON_TEMPLATE)} is missing; the package is broken, reinstall it`,
    );
  }

  for (const part of TEMPLATE_PARTS) {
    const partPath = path.join(templateDir, part.name);
    const relatives = part.kind === "file" ? [""] : await listFiles(partPath);
    for (const relative of relatives) {
      const origin = relative === "" ? partPath : path.join(partPath, relative);
      const target = relative === "" ? part.name : path.posix.join(part.name, relative);
      add({ target, content: await readFile(origin), origin });
    }
  }

  return [...files.values()].sort((a, b) =>
    a.target < b.target ? -1 : a.target > b.target ? 1 : 0,
  );
}

/**
 * Fills in `package.template.json`: sets `name`, and pins `hardhat-parallel` (in
 * `devDependencies`) to `version`, the version of the running package.
 *
 * @param {string} text  The template's JSON text.
 * @param {string} origin  Its path, for error messages.
 * @param {string} packageName
 * @param {string} version
 * @returns {string}  The project's package.json text (2-space indented, trailing newline).
 * @throws {Error} When `text` is not a JSON object.
 */
export function renderPackageJson(text, origin, packageName, version) {
  /** @type {unknown} */
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${origin} is not valid JSON (${/** @type {Error} */ (error).message}); the package is broken, reinstall it`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${origin} must hold a JSON object; the package is broken, reinstall it`);
  }
  // `name` first, as npm writes it; the template's own placeholder name is dropped.
  const { name: _placeholder, ...rest } = /** @type {Record<string, unknown>} */ (parsed);
  /** @type {Record<string, unknown>} */
  const pkg = { name: packageName, ...rest };
  const devDependencies = /** @type {Record<string, string>} */ (
    typeof pkg.devDependencies === "object" && pkg.devDependencies !== null
      ? pkg.devDependencies
      : {}
  );
  pkg.devDependencies = { ...devDependencies, "hardhat-parallel": version };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/**
 * Reads the installed package's own package.json.
 *
 * @param {string} [packageRoot]
 * @returns {Promise<{ name: string, version: string }>}
 */
export async function readOwnPackageJson(packageRoot = PACKAGE_ROOT) {
  const pkg = JSON.parse(await readFile(path.join(packageRoot, "package.json"), "utf8"));
  return { name: String(pkg.name), version: String(pkg.version) };
}

/**
 * Every regular file below `dir`, as sorted `/`-separated paths relative to `dir`, skipping
 * build outputs and OS litter ({@link NEVER_COPIED}). Symbolic links are followed.
 *
 * @param {string} dir
 * @returns {Promise<string[]>}
 */
async function listFiles(dir) {
  /** @type {string[]} */
  const out = [];
  /** @param {string} relative */
  const walk = async (relative) => {
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true });
    for (const entry of entries) {
      if (NEVER_COPIED.has(entry.name)) continue;
      const childRelative = relative === "" ? entry.name : `${relative}/${entry.name}`;
      const kind = await pathKind(path.join(dir, childRelative));
      if (kind === "directory") await walk(childRelative);
      else if (kind === "file") out.push(childRelative);
    }
  };
  await walk("");
  return out.sort();
}

/**
 * @param {string} p
 * @returns {Promise<"file" | "directory" | "other" | "missing">}
 */
async function pathKind(p) {
  try {
    const s = await stat(p);
    return s.isFile() ? "file" : s.isDirectory() ? "directory" : "other";
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === "ENOENT") return "missing";
    throw error;
  }
}
