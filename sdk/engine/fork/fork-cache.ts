/**
 * The disk cache of a forked chain's remote reads: one file per (remote chain id, fork block)
 * under Hardhat's cache directory, so a second run at the same block reads nothing remote.
 *
 * Values at a pinned block never change, so files only grow and two writers never disagree:
 * a save merges what is on disk with what is in memory, writes a temporary file and renames it
 * over the old one (atomic on POSIX), so a reader sees the old or the new file, never half of
 * one. Each file ends with the SHA-256 of its body: a truncated or edited file (a run killed
 * mid-write on a file system without atomic rename, a disk error) is detected, ignored and
 * rewritten by the next save.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** What a cache file holds; every number and word is a 0x-hex string. */
export interface ForkCacheContent {
  /** Location key (`location.ts`) → value. */
  values: Record<string, string>;
  /** Code hash → code bytes. */
  codes: Record<string, string>;
  /** Block number (decimal) → block hash. */
  hashes: Record<string, string>;
  /** The fork block as the remote's `eth_getBlockByNumber` returned it. */
  block?: Record<string, unknown>;
}

const FORMAT = "hardhat-parallel-fork/1";

const empty = (): ForkCacheContent => ({ values: {}, codes: {}, hashes: {} });

export class ForkCache {
  /** The cache file's path. */
  readonly file: string;
  /** Whether the file was found corrupt (and will be rewritten) when it was loaded. */
  corruptOnLoad = false;

  /**
   * @param directory the cache directory (created on first save).
   * @param chainId the remote chain's id.
   * @param blockNumber the fork block.
   */
  constructor(directory: string, chainId: number, blockNumber: bigint) {
    this.file = path.join(directory, `${chainId}-${blockNumber}.json`);
  }

  /** The file's content; empty when there is none or it is corrupt (then `corruptOnLoad`). */
  load(): ForkCacheContent {
    const content = read(this.file);
    if (content === "corrupt") {
      this.corruptOnLoad = true;
      return empty();
    }
    return content ?? empty();
  }

  /**
   * Merges `content` with the file's current content and replaces the file atomically.
   * @throws the file system's error when the directory cannot be written.
   */
  save(content: ForkCacheContent): void {
    const current = read(this.file);
    const merged: ForkCacheContent =
      current === undefined || current === "corrupt"
        ? content
        : {
            values: { ...current.values, ...content.values },
            codes: { ...current.codes, ...content.codes },
            hashes: { ...current.hashes, ...content.hashes },
            block: content.block ?? current.block,
          };
    const body = JSON.stringify({ format: FORMAT, ...merged });
    const text = `${body}\n${sha256(body)}\n`;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      writeFileSync(temporary, text);
      renameSync(temporary, this.file);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
  }
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The file's content, undefined when absent, "corrupt" when it fails its checksum or shape. */
function read(file: string): ForkCacheContent | undefined | "corrupt" {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const lines = text.split("\n");
  if (lines.length !== 3 || lines[2] !== "" || sha256(lines[0]) !== lines[1]) return "corrupt";
  try {
    const parsed = JSON.parse(lines[0]) as ForkCacheContent & { format?: string };
    if (parsed.format !== FORMAT || typeof parsed.values !== "object") return "corrupt";
    return {
      values: parsed.values,
      codes: parsed.codes ?? {},
      hashes: parsed.hashes ?? {},
      block: parsed.block,
    };
  } catch {
    return "corrupt";
  }
}

/** The file remembering the chain id of the remote at `url` (named by the URL's hash: no secret on disk). */
const chainIdFile = (directory: string, url: string): string =>
  path.join(directory, "chain-ids", `${sha256(url)}.txt`);

/** The chain id remembered for `url`, if any. */
export function rememberedChainId(directory: string, url: string): number | undefined {
  try {
    const text = readFileSync(chainIdFile(directory, url), "utf8").trim();
    return /^[0-9]+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Remembers the chain id of the remote at `url` (atomically; a failure only costs a request). */
export function rememberChainId(directory: string, url: string, chainId: number): void {
  const file = chainIdFile(directory, url);
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temporary, `${chainId}\n`);
    renameSync(temporary, file);
  } catch {
    rmSync(temporary, { force: true });
  }
}
