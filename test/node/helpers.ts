/**
 * Starts `hardhat parallel-node` (or Hardhat's own `hardhat node`, the reference) in a child
 * process of this repository on a free port of 127.0.0.1 (`--port 0`, the URL read from its
 * first line), and stops it with a signal, reporting how it exited.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { HARDHAT_CLI, REPO_ROOT } from "../exit/helpers.ts";

export interface RunningNode {
  url: string;
  child: ChildProcessWithoutNullStreams;
  /** Everything printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /**
   * Resolves with stdout once it matches `pattern`.
   * @throws {Error} after `withinMs` (default 10,000) without a match.
   */
  waitFor(pattern: RegExp, withinMs?: number): Promise<string>;
  /**
   * Sends `signal` and waits for the exit.
   * @returns the exit code (`null` when killed), or "still running" after `withinMs`.
   */
  stop(
    signal: NodeJS.Signals,
    withinMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null } | "still running">;
}

/** The URL line of both tasks: `Started HTTP [and WebSocket ]JSON-RPC server at <url>`. */
const STARTED = /Started HTTP (?:and WebSocket )?JSON-RPC server at (http:\/\/\S+\/)/;

/**
 * Spawns `hardhat <args>` and resolves once the server printed its URL.
 * @throws {Error} when the process exits first or prints no URL within `startMs`.
 */
export function startNode(args: string[], startMs = 90_000): Promise<RunningNode> {
  const child = spawn(process.execPath, [HARDHAT_CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const node: Omit<RunningNode, "url"> = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitFor(pattern, withinMs = 10_000) {
      const deadline = Date.now() + withinMs;
      while (!pattern.test(stdout)) {
        if (Date.now() > deadline)
          throw new Error(`stdout never matched ${pattern} within ${withinMs} ms:\n${stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return stdout;
    },
    async stop(signal, withinMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"still running">((resolve) => {
        timer = setTimeout(() => resolve("still running"), withinMs);
      });
      const outcome = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (outcome === "still running") {
        child.kill("SIGKILL");
        await exited;
      }
      return outcome;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no URL within ${startMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, startMs);
    const onData = () => {
      const match = STARTED.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      resolve({ ...node, url: match[1] });
    };
    child.stdout.on("data", onData);
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before serving\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });
}

/** POSTs `body` (a string, sent as is) and returns the HTTP status and the parsed JSON answer. */
export async function post(
  url: string,
  body: string | Uint8Array,
  init: RequestInit = {},
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    ...init,
  });
  const text = await response.text();
  return { status: response.status, json: text === "" ? undefined : JSON.parse(text) };
}

/** A JSON-RPC 2.0 request body for `method`. */
export const rpc = (method: string, params: unknown[] = [], id: number | string = 1) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, params });
