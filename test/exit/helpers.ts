/**
 * Runs a real process to its end and measures how long it lives after its work is done: the
 * moment its output first contains the line that says so (`doneWhen`). A process still alive
 * `exitWithinMs` after that is killed and reported as not exiting by itself.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const HARDHAT_CLI = path.join(REPO_ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");
export const FIXTURES = path.join(REPO_ROOT, "test", "fixtures", "exit");

/** How long a process may live after its work is done (milliseconds): "a few seconds". */
export const EXIT_WITHIN_MS = 5_000;

export interface ExitRun {
  /** Exit code, or `null` when the process was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Whether it exited by itself within `exitWithinMs` of its work being done. */
  exitedByItself: boolean;
  /** Milliseconds from the work being done to the exit (or to the kill). */
  lingerMs: number;
}

export interface ExitRunOptions {
  args: string[];
  env?: Record<string, string>;
  /** The output that says the work is done. */
  doneWhen: RegExp;
  /** Written to stdin once the process has started; stdin is ended when the work is done. */
  input?: string;
  exitWithinMs?: number;
  /** Upper bound for the work itself (milliseconds). Default 120,000. */
  workTimeoutMs?: number;
}

/** Spawns `process.execPath` (Node ≥ 22) with `args` in the repository root. Never rejects on a non-zero exit. */
export function runUntilExit(options: ExitRunOptions): Promise<ExitRun> {
  const exitWithinMs = options.exitWithinMs ?? EXIT_WITHIN_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, options.args, {
      cwd: REPO_ROOT,
      env: { ...process.env, HP_EXIT_FIXTURE: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let doneAt: number | undefined;
    let killedForLingering = false;
    let lingerTimer: NodeJS.Timeout | undefined;
    const workTimer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `work not done within ${options.workTimeoutMs ?? 120_000} ms: ${options.args.join(" ")}\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, options.workTimeoutMs ?? 120_000);
    const onOutput = (): void => {
      if (doneAt !== undefined || !options.doneWhen.test(stdout)) return;
      doneAt = Date.now();
      clearTimeout(workTimer);
      child.stdin.end();
      lingerTimer = setTimeout(() => {
        killedForLingering = true;
        child.kill("SIGKILL");
      }, exitWithinMs);
    };
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      onOutput();
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    if (options.input !== undefined) child.stdin.write(options.input);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(workTimer);
      clearTimeout(lingerTimer);
      if (doneAt === undefined) {
        reject(
          new Error(
            `exited (code ${code}) before its work was done: ${options.args.join(" ")}\nstdout:\n${stdout}\nstderr:\n${stderr}`,
          ),
        );
        return;
      }
      resolve({
        code,
        stdout,
        stderr,
        exitedByItself: !killedForLingering,
        lingerMs: Date.now() - doneAt,
      });
    });
  });
}

/** What to show when an assertion on a run fails. */
export function explain(run: ExitRun): string {
  return `exit ${run.code} after ${run.lingerMs} ms (${run.exitedByItself ? "by itself" : "killed"})\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}
