/**
 * Synthetic data for the report tests: recorded blocks and transactions, a tiny artifact with
 * a storage layout, and the environment of the end-to-end subprocess.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { encodeAbiParameters, keccak256, toFunctionSelector, type Address, type Hex } from "viem";
import type { StorageLayout } from "../../sdk/access/layout.ts";
import { type LocationKey, storageKey } from "../../sdk/engine/location.ts";
import type { RecordedBlock, RecordedTransaction } from "../../sdk/analysis/recorded-block.ts";
import { type ContractArtifact, ContractIndex } from "../../sdk/contracts/contract-index.ts";
import type { RecordedBucket, RecordedRun } from "../../plugins/report/types.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const FIXTURE_PROJECT = path.join(REPO_ROOT, "test", "fixtures", "report-project");
export const HARDHAT_CLI = path.join(REPO_ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

/** Addresses of the synthetic data. */
export const COUNTER: Address = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
export const USERS: Address[] = Array.from(
  { length: 8 },
  (_, i) => `0x${(0x1000 + i).toString(16).padStart(40, "a")}` as Address,
);

/** `Counter`'s runtime code as deployed (metadata differs from the artifact's on purpose). */
export const COUNTER_CODE = ("0x6001600055600160015500" + "a1ffeeddccbb" + "0006") as Hex;
const COUNTER_ARTIFACT_CODE = ("0x6001600055600160015500" + "a10102030405" + "0006") as Hex;
export const COUNTER_CODE_HASH: Hex = keccak256(COUNTER_CODE);
export const BUMP = toFunctionSelector("bump()");
export const CREDIT = toFunctionSelector("credit(address,uint256)");

/** solc-style layout: `uint256 count` at slot 0, `mapping(address => uint256) balanceOf` at 1. */
export const COUNTER_LAYOUT: StorageLayout = {
  storage: [
    {
      astId: 1,
      contract: "contracts/Counter.sol:Counter",
      label: "count",
      offset: 0,
      slot: "0",
      type: "t_uint256",
    },
    {
      astId: 2,
      contract: "contracts/Counter.sol:Counter",
      label: "balanceOf",
      offset: 0,
      slot: "1",
      type: "t_mapping(t_address,t_uint256)",
    },
  ],
  types: {
    t_uint256: { encoding: "inplace", label: "uint256", numberOfBytes: "32" },
    t_address: { encoding: "inplace", label: "address", numberOfBytes: "20" },
    "t_mapping(t_address,t_uint256)": {
      encoding: "mapping",
      key: "t_address",
      value: "t_uint256",
      label: "mapping(address => uint256)",
      numberOfBytes: "32",
    },
  },
};

export const COUNTER_ARTIFACT: ContractArtifact = {
  contractName: "Counter",
  sourceName: "contracts/Counter.sol",
  abi: [
    { type: "function", name: "bump", inputs: [], outputs: [], stateMutability: "nonpayable" },
    {
      type: "function",
      name: "credit",
      inputs: [
        { name: "to", type: "address" },
        { name: "amount", type: "uint256" },
      ],
      outputs: [],
      stateMutability: "nonpayable",
    },
  ],
  deployedBytecode: COUNTER_ARTIFACT_CODE,
  deployedLinkReferences: {},
  immutableReferences: {},
};

/** An index of the `Counter` artifact whose layout loader returns {@link COUNTER_LAYOUT}. */
export function counterIndex(): ContractIndex {
  return new ContractIndex([COUNTER_ARTIFACT], { loadLayout: async () => COUNTER_LAYOUT });
}

/** Storage key of `Counter.count`. */
export const COUNT_KEY = storageKey(COUNTER, 0n);
/** Storage key of `Counter.balanceOf[holder]`. */
export function balanceOfKey(holder: Address): LocationKey {
  return storageKey(
    COUNTER,
    BigInt(
      keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [holder, 1n])),
    ),
  );
}

let nextHash = 1;
/** A recorded call of `Counter` from `from` reading and writing the given locations. */
export function tx(from: Address, options: Partial<RecordedTransaction> = {}): RecordedTransaction {
  return {
    hash: `0x${(nextHash++).toString(16).padStart(64, "0")}` as Hex,
    index: 0,
    from,
    to: COUNTER,
    selector: BUMP,
    gasUsed: "30000",
    status: 1,
    reads: [],
    writes: [],
    ...options,
  };
}

/** A recorded block of `transactions` (indices renumbered) on a 2-lane network. */
export function block(
  number: number,
  transactions: RecordedTransaction[],
  options: Partial<RecordedBlock> = {},
): RecordedBlock {
  return {
    number: String(number),
    lanes: 2,
    executedBy: "sequential",
    reExecutions: 0,
    transactions: transactions.map((t, index) => ({ ...t, index })),
    codeHashes: { [COUNTER]: COUNTER_CODE_HASH },
    ...options,
  };
}

/** n users bumping the shared `count` (each reads and writes it). */
export function bumps(n: number): RecordedTransaction[] {
  return USERS.slice(0, n).map((user) => tx(user, { reads: [COUNT_KEY], writes: [COUNT_KEY] }));
}

/** n users writing disjoint `balanceOf` slots (their own). */
export function disjoint(n: number): RecordedTransaction[] {
  return USERS.slice(0, n).map((user) =>
    tx(user, {
      selector: CREDIT,
      reads: [balanceOfKey(user)],
      writes: [balanceOfKey(user)],
      keys: { addresses: [user], integers: ["1"] },
    }),
  );
}

/** A bucket of a test. */
export function bucket(
  title: string,
  blocks: RecordedBlock[],
  kind: RecordedBucket["kind"] = "test",
): RecordedBucket {
  return { key: `test/x.ts\u0000${title}`, title, file: "test/x.ts", kind, blocks };
}

/** A recording of the given buckets with `Counter`'s code. */
export function recording(buckets: RecordedBucket[]): RecordedRun {
  return {
    _format: "hardhat-parallel-recording",
    version: 1,
    buckets,
    codes: { [COUNTER_CODE_HASH]: COUNTER_CODE },
  };
}

/**
 * The environment of a Hardhat subprocess: the current one without what `hardhat test` set for
 * this run (`HARDHAT_*` global options — `HARDHAT_CONFIG` would point at this repository's config
 * —, `HH_TEST`, `NODE_OPTIONS`, CI summaries), plus `extra`.
 */
export function subprocessEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith("HARDHAT_") || key.startsWith("HP_") || key.toLowerCase().startsWith("npm_"))
      delete env[key];
  }
  for (const key of [
    "HH_TEST",
    "NODE_OPTIONS",
    "GITHUB_STEP_SUMMARY",
    "CI",
    "GITHUB_ACTIONS",
    "MOCHA_WORKER_ID",
  ])
    delete env[key];
  env.NO_COLOR = "1";
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Output and exit code of a Hardhat CLI subprocess. */
export interface HardhatRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the Hardhat CLI of this repository in `cwd` (a fixture project); resolves with its exit
 * code and output, never rejects on a non-zero exit.
 * @throws {Error} with the output so far when the process is still running after `timeoutMs`
 *   (it is killed): a run that does not exit by itself fails the test.
 */
export function runHardhat(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 240_000,
): Promise<HardhatRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARDHAT_CLI, ...args], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`hardhat ${args.join(" ")} timed out\nstdout:\n${stdout}\nstderr:\n${stderr}`),
      );
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
