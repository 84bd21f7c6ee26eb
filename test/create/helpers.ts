/**
 * Helpers of the `hardhat-parallel create` tests: run the real bin in a child process (plain,
 * or inside a pseudo-terminal through util-linux `script`), temporary directories, and the file
 * list a template should produce, derived from the `templates/` directory.
 */
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, rm, stat, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = path.join(REPO_ROOT, "plugins", "cli", "bin.js");
export const TEMPLATES_DIR = path.join(REPO_ROOT, "templates");

/** Every template name `create` knows. */
export const ALL_TEMPLATES = ["minimal", "vault", "lending", "amm"] as const;

/**
 * The environment the bin runs with: the test's own, minus what would change its behaviour
 * (the package manager that launched `hardhat test`, CI markers), plus `extra`.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.toLowerCase().startsWith("npm_")) delete env[key];
  }
  delete env.CI;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node plugins/cli/bin.js ...args` without a terminal (stdin is an empty pipe), as CI
 * would. Resolves with the exit code and the output; never rejects on a non-zero exit.
 */
export function runBin(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; bin?: string },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      cwd: options.cwd,
      env: options.env ?? cleanEnv(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`bin timed out: ${args.join(" ")}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}

/** A fresh temporary directory; remove it with {@link removeDir}. */
export function makeTempDir(prefix = "hp-create-"): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** All regular files below `dir`, as sorted `/`-separated relative paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (relative: string) => {
    for (const entry of await readdir(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else out.push(child);
    }
  };
  await walk("");
  return out.sort();
}

/** Whether templates/<name> holds contracts/, test/ and README.md (what `create` requires). */
export async function templateIsComplete(name: string): Promise<boolean> {
  const kinds = await Promise.all(
    ["contracts", "test", "README.md"].map(async (part) => {
      try {
        const s = await stat(path.join(TEMPLATES_DIR, name, part));
        return part === "README.md" ? s.isFile() : s.isDirectory();
      } catch {
        return false;
      }
    }),
  );
  return kinds.every(Boolean);
}

/** The templates present in the repository right now. */
export async function completeTemplates(): Promise<string[]> {
  const result: string[] = [];
  for (const name of ALL_TEMPLATES) if (await templateIsComplete(name)) result.push(name);
  return result;
}

/**
 * What a project made from `template` must contain, as a map from project path to the
 * repository file it is a copy of (`package.json` maps to `package.template.json`, which is
 * rendered, not copied): `templates/shared/*` with `gitignore` renamed `.gitignore`, plus the
 * template's `contracts/`, `test/` and `README.md`.
 */
export async function expectedProjectFiles(template: string): Promise<Map<string, string>> {
  const expected = new Map<string, string>();
  const shared = path.join(TEMPLATES_DIR, "shared");
  for (const file of await listFiles(shared)) {
    const base = path.posix.basename(file);
    if (base === ".gitignore") continue;
    const target =
      file === "package.template.json"
        ? "package.json"
        : base === "gitignore"
          ? path.posix.join(path.posix.dirname(file), ".gitignore")
          : file;
    expected.set(target, path.join(shared, file));
  }
  const templateDir = path.join(TEMPLATES_DIR, template);
  for (const part of ["contracts", "test"]) {
    for (const file of await listFiles(path.join(templateDir, part))) {
      expected.set(`${part}/${file}`, path.join(templateDir, part, file));
    }
  }
  expected.set("README.md", path.join(templateDir, "README.md"));
  return expected;
}

/**
 * Builds a copy of the package in `dir` (package.json, the CLI, `templates/shared` and
 * `templates/minimal`, with `node_modules` linked to the repository's), plus extra templates:
 * `complete` ones are copies of `minimal` under another catalog name, `partial` ones hold only
 * `contracts/`. Lets tests exercise several templates whatever the repository holds today.
 *
 * @returns The path of the copy's bin.
 */
export async function makeFixturePackage(
  dir: string,
  extra: { complete?: string[]; partial?: string[] } = {},
): Promise<string> {
  await cp(path.join(REPO_ROOT, "package.json"), path.join(dir, "package.json"));
  await cp(path.join(REPO_ROOT, "plugins", "cli"), path.join(dir, "plugins", "cli"), {
    recursive: true,
  });
  for (const name of ["shared", "minimal"]) {
    await cp(path.join(TEMPLATES_DIR, name), path.join(dir, "templates", name), {
      recursive: true,
    });
  }
  for (const name of extra.complete ?? []) {
    await rm(path.join(dir, "templates", name), { recursive: true, force: true });
    await cp(path.join(TEMPLATES_DIR, "minimal"), path.join(dir, "templates", name), {
      recursive: true,
    });
  }
  for (const name of extra.partial ?? []) {
    await rm(path.join(dir, "templates", name), { recursive: true, force: true });
    await cp(
      path.join(TEMPLATES_DIR, "minimal", "contracts"),
      path.join(dir, "templates", name, "contracts"),
      {
        recursive: true,
      },
    );
  }
  await mkdir(dir, { recursive: true });
  await symlink(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return path.join(dir, "plugins", "cli", "bin.js");
}

/** Removes ANSI escape sequences (colours, cursor moves) from terminal output. */
export function stripAnsi(text: string): string {
  return stripVTControlCharacters(text);
}

/**
 * The bin running in a pseudo-terminal (util-linux `script`), so that its stdin and stdout are
 * TTYs and it prompts. Send keys with {@link PtySession.write}; wait for text with
 * {@link PtySession.waitFor}.
 */
export class PtySession {
  private output = "";
  private readonly exited: Promise<number | null>;
  private readonly child;

  constructor(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; bin?: string }) {
    const command = [process.execPath, options.bin ?? BIN, ...args].map(shellQuote).join(" ");
    // The pty starts with 0 columns when script's own stdin is not a terminal; set a size.
    const inner = `stty cols 120 rows 40 2>/dev/null; exec ${command}`;
    this.child = spawn("script", ["-q", "-e", "-c", inner, "/dev/null"], {
      cwd: options.cwd,
      env: { ...(options.env ?? cleanEnv()), TERM: "xterm-256color" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdout.setEncoding("utf8").on("data", (chunk: string) => (this.output += chunk));
    this.child.stderr.setEncoding("utf8").on("data", (chunk: string) => (this.output += chunk));
    this.exited = new Promise((resolve, reject) => {
      this.child.on("error", reject);
      this.child.on("close", (code) => resolve(code));
    });
  }

  /** Everything the terminal showed so far, without escape sequences. */
  get text(): string {
    return stripAnsi(this.output);
  }

  /** Types `keys` (use "\r" for Enter, "\u0003" for Ctrl-C). */
  write(keys: string): void {
    this.child.stdin.write(keys);
  }

  /**
   * Waits until the output shown after `fromIndex` (an earlier {@link PtySession.mark}) matches
   * `pattern`; returns the index just past the match, to chain waits.
   */
  async waitFor(pattern: RegExp, fromIndex = 0, timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.text.slice(fromIndex);
      const match = pattern.exec(text);
      if (match !== null) return fromIndex + match.index + match[0].length;
      if (Date.now() > deadline) {
        this.child.kill("SIGKILL");
        throw new Error(`timed out waiting for ${pattern} in the terminal output:\n${this.text}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Current length of {@link PtySession.text}, to wait only for output after this point. */
  mark(): number {
    return this.text.length;
  }

  /** Waits for the bin to exit; resolves with its exit code (script -e passes it through). */
  async exit(timeoutMs = 15_000): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
      this.child.stdin.end();
    }
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
