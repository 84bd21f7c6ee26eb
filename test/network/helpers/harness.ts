/**
 * Differential harness: runs one scenario (a deterministic sequence of JSON-RPC requests) on a
 * fresh chain of each of two networks and collects what a user can observe — the outcome of
 * every request, every mined block with its transactions and receipts, and the final state of
 * every account and storage slot involved — so the two can be compared with
 * {@link deepDiff}.
 *
 * Determinism: every block mined by a scenario gets a fixed timestamp
 * ({@link SCENARIO_START_TIME} + 12 s per block), nonces follow from fresh chains, and raw
 * transactions are signed with RFC 6979 deterministic signatures. Block hashes legitimately
 * differ between two chains (the genesis timestamp is the wall clock) and are left out; every
 * transaction's hash and signature (v, r, s) are compared: dev accounts' `eth_sendTransaction`
 * transactions are signed with their keys, impersonated senders' carry EDR's fake signature.
 */
import type { Abi, Address, Hex } from "viem";
import type { NetworkConnection } from "hardhat/types/network";
import type { EthereumProvider } from "hardhat/types/providers";

import hre from "hardhat";
import { encodeDeployData, encodeFunctionData, getAddress, numberToHex } from "viem";

/** Timestamp (seconds) of the first block a scenario mines: 2033-05-18, after any genesis. */
export const SCENARIO_START_TIME = 2_000_000_000;

/** Seconds between two blocks mined by a scenario. */
export const SCENARIO_BLOCK_TIME = 12;

/** A transaction request in the harness's input form (quantities as bigint). */
export interface TxInput {
  from: Address;
  to?: Address;
  data?: Hex;
  value?: bigint;
  /** Gas limit; omitted = the network's default (Hardhat estimates it). */
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  nonce?: number;
}

/** How a JSON-RPC error is compared: its code, message and revert data. */
export interface ErrorRecord {
  code: unknown;
  message: string;
  /** Revert data (`0x…`) when the error carries any, from `data` or `data.data`. */
  data: unknown;
}

/** The outcome of one recorded request. */
export interface StepRecord {
  label: string;
  method: string;
  result?: unknown;
  error?: ErrorRecord;
}

/** A transaction and its receipt, reduced to fields that must match across networks. */
export interface TransactionRecord {
  transaction: Record<string, unknown>;
  receipt: Record<string, unknown>;
}

/** A mined block, reduced to fields that must match across networks. */
export interface BlockRecord {
  header: Record<string, unknown>;
  transactions: TransactionRecord[];
}

/** Balance, nonce and code of one account (hex quantities / bytes, as JSON-RPC returns them). */
export interface AccountRecord {
  balance: unknown;
  nonce: unknown;
  code: unknown;
}

/** Everything a scenario observed on one network. */
export interface Observation {
  steps: StepRecord[];
  blocks: BlockRecord[];
  accounts: Record<string, AccountRecord>;
  /** `storage[address][slot]` = the 32-byte word returned by `eth_getStorageAt`. */
  storage: Record<string, Record<string, unknown>>;
}

/** A named, deterministic sequence of requests. */
export interface Scenario {
  name: string;
  run(run: ScenarioRun): Promise<void>;
}

const TX_FIELDS = [
  "type",
  "from",
  "to",
  "nonce",
  "value",
  "input",
  "gas",
  "gasPrice",
  "maxFeePerGas",
  "maxPriorityFeePerGas",
  "accessList",
  "chainId",
  "transactionIndex",
  "hash",
  "v",
  "r",
  "s",
  "authorizationList",
] as const;

const RECEIPT_FIELDS = [
  "status",
  "type",
  "from",
  "to",
  "gasUsed",
  "cumulativeGasUsed",
  "effectiveGasPrice",
  "contractAddress",
  "logsBloom",
  "transactionIndex",
] as const;

const HEADER_FIELDS = [
  "number",
  "timestamp",
  "gasUsed",
  "gasLimit",
  "baseFeePerGas",
  "miner",
  "logsBloom",
  "blobGasUsed",
  "excessBlobGas",
] as const;

/**
 * One execution of a scenario on one connection. Scenario code calls its methods; each
 * `send*`/`call`/`estimate`/`record` is recorded as a {@link StepRecord}.
 */
export class ScenarioRun {
  readonly provider: EthereumProvider;
  readonly steps: StepRecord[] = [];
  #startBlock = -1n;
  #blockIndex = 0;
  #automine = true;
  readonly #accounts = new Set<string>();
  readonly #slots = new Map<string, Set<Hex>>();

  readonly connection: NetworkConnection;

  constructor(connection: NetworkConnection) {
    this.connection = connection;
    this.provider = connection.provider;
  }

  /** Marks the start of the scenario: blocks after the current one are collected. */
  async begin(): Promise<void> {
    this.#startBlock = BigInt((await this.rpc("eth_blockNumber")) as Hex);
  }

  /** Sends a request without recording it. Errors propagate. */
  async rpc(method: string, params: unknown[] = []): Promise<unknown> {
    return await this.provider.request({ method, params });
  }

  /**
   * Sends a request and records its outcome (result or error). Never throws for JSON-RPC errors.
   * @param keepResult Record the result (default true); false records only that it succeeded.
   * @returns The result, or `undefined` when the request failed.
   */
  async record(
    label: string,
    method: string,
    params: unknown[] = [],
    keepResult = true,
  ): Promise<unknown> {
    try {
      const result = await this.rpc(method, params);
      this.steps.push({ label, method, result: keepResult ? result : "(ok)" });
      return result;
    } catch (error) {
      this.steps.push({ label, method, error: toErrorRecord(error) });
      return undefined;
    }
  }

  /** Timestamp of the next block this run mines (advances the clock by {@link SCENARIO_BLOCK_TIME}). */
  nextTimestamp(): number {
    return SCENARIO_START_TIME + SCENARIO_BLOCK_TIME * this.#blockIndex++;
  }

  /**
   * `eth_sendTransaction` (automine: on a block with the next fixed timestamp).
   * @returns The transaction hash, or `undefined` when the request failed (the failure is recorded).
   */
  async send(label: string, tx: TxInput): Promise<Hex | undefined> {
    await this.#prepareBlock();
    return (await this.record(label, "eth_sendTransaction", [toRpcTx(tx)], false)) === undefined
      ? undefined
      : ((await this.#lastSentHash()) as Hex | undefined);
  }

  /** `eth_sendRawTransaction` of a signed transaction; its hash is recorded. */
  async sendRaw(label: string, serialized: Hex): Promise<Hex | undefined> {
    await this.#prepareBlock();
    const hash = (await this.record(label, "eth_sendRawTransaction", [serialized])) as
      | Hex
      | undefined;
    return hash;
  }

  /** `eth_call` at `block` (default latest); result or error recorded. */
  async call(label: string, tx: TxInput, block: string = "latest"): Promise<Hex | undefined> {
    return (await this.record(label, "eth_call", [toRpcTx(tx), block])) as Hex | undefined;
  }

  /** `eth_estimateGas`; result or error recorded. */
  async estimate(label: string, tx: TxInput): Promise<Hex | undefined> {
    return (await this.record(label, "eth_estimateGas", [toRpcTx(tx)])) as Hex | undefined;
  }

  /**
   * Deploys an artifact with `eth_sendTransaction` and returns its address.
   * @throws {Error} when the deployment fails (a scenario cannot go on without its contract).
   */
  async deploy(
    label: string,
    from: Address,
    contractName: string,
    args: unknown[] = [],
    gas?: bigint,
  ): Promise<Address> {
    const { abi, bytecode } = await readArtifact(contractName);
    const hash = await this.send(label, {
      from,
      data: encodeDeployData({ abi, bytecode, args }),
      gas,
    });
    if (hash === undefined)
      throw new Error(
        `deployment "${label}" of ${contractName} failed: ${JSON.stringify(this.steps.at(-1))}`,
      );
    const receipt = (await this.rpc("eth_getTransactionReceipt", [hash])) as {
      contractAddress: Address | null;
    };
    if (receipt.contractAddress === null)
      throw new Error(`deployment "${label}" of ${contractName} has no contract address`);
    this.watchAccount(receipt.contractAddress);
    return getAddress(receipt.contractAddress);
  }

  /**
   * Runs `body` with automine off, then mines everything it sent as one block with the next
   * fixed timestamp (`evm_setNextBlockTimestamp` + `evm_mine`), and turns automine back on.
   */
  async inOneBlock(body: () => Promise<void>): Promise<void> {
    await this.rpc("evm_setAutomine", [false]);
    this.#automine = false;
    try {
      await body();
      await this.rpc("evm_setNextBlockTimestamp", [numberToHex(this.nextTimestamp())]);
      await this.record("evm_mine", "evm_mine", []);
    } finally {
      this.#automine = true;
      await this.rpc("evm_setAutomine", [true]);
    }
  }

  /** Adds an account whose balance, nonce and code are compared at the end. */
  watchAccount(address: string): void {
    this.#accounts.add(address.toLowerCase());
  }

  /** Adds storage slots of `address` whose values are compared at the end. */
  watchSlots(address: string, slots: Array<Hex | bigint>): void {
    const key = address.toLowerCase();
    const set = this.#slots.get(key) ?? new Set<Hex>();
    for (const slot of slots)
      set.add(typeof slot === "bigint" ? numberToHex(slot, { size: 32 }) : slot);
    this.#slots.set(key, set);
  }

  /**
   * Collects the observation: the recorded steps, every block mined since {@link begin}, and the
   * final state of watched accounts, of every account a mined transaction came from, went to or
   * created, of each block's miner, and of watched slots.
   */
  async observe(): Promise<Observation> {
    if (this.#startBlock < 0n) throw new Error("ScenarioRun.begin() was not called");
    const latest = BigInt((await this.rpc("eth_blockNumber")) as Hex);
    const blocks: BlockRecord[] = [];
    for (let n = this.#startBlock + 1n; n <= latest; n++) {
      const block = (await this.rpc("eth_getBlockByNumber", [numberToHex(n), true])) as Record<
        string,
        unknown
      > & {
        transactions: Array<Record<string, unknown>>;
      };
      this.watchAccount(block.miner as string);
      const transactions: TransactionRecord[] = [];
      for (const tx of block.transactions) {
        const receipt = (await this.rpc("eth_getTransactionReceipt", [tx.hash])) as Record<
          string,
          unknown
        >;
        for (const a of [tx.from, tx.to, receipt.contractAddress])
          if (typeof a === "string") this.watchAccount(a);
        const transaction = pick(tx, TX_FIELDS);
        const logs = (receipt.logs as Array<Record<string, unknown>>).map((log) =>
          pick(log, ["address", "topics", "data", "logIndex", "transactionIndex"] as const),
        );
        transactions.push({ transaction, receipt: { ...pick(receipt, RECEIPT_FIELDS), logs } });
      }
      blocks.push({ header: pick(block, HEADER_FIELDS), transactions });
    }
    const accounts: Record<string, AccountRecord> = {};
    for (const address of [...this.#accounts].sort()) {
      accounts[address] = {
        balance: await this.rpc("eth_getBalance", [address, "latest"]),
        nonce: await this.rpc("eth_getTransactionCount", [address, "latest"]),
        code: await this.rpc("eth_getCode", [address, "latest"]),
      };
    }
    const storage: Record<string, Record<string, unknown>> = {};
    for (const [address, slots] of [...this.#slots].sort(([a], [b]) => a.localeCompare(b))) {
      storage[address] = {};
      for (const slot of [...slots].sort()) {
        storage[address][slot] = await this.rpc("eth_getStorageAt", [address, slot, "latest"]);
      }
    }
    return { steps: this.steps, blocks, accounts, storage };
  }

  async #prepareBlock(): Promise<void> {
    if (this.#automine)
      await this.rpc("evm_setNextBlockTimestamp", [numberToHex(this.nextTimestamp())]);
  }

  /** Hash of the transaction just sent: the last one of the pending block, or of the latest. */
  async #lastSentHash(): Promise<unknown> {
    const tag = this.#automine ? "latest" : "pending";
    const block = (await this.rpc("eth_getBlockByNumber", [tag, false])) as { transactions: Hex[] };
    return block.transactions.at(-1);
  }
}

/**
 * Runs `scenario` on a fresh chain of `connection` and returns its observation.
 * @param connection A freshly created connection (nonces and block numbers start from genesis).
 */
export async function observeScenario(
  scenario: Scenario,
  connection: NetworkConnection,
): Promise<Observation> {
  const run = new ScenarioRun(connection);
  await run.begin();
  await scenario.run(run);
  return await run.observe();
}

/** Reads an artifact's ABI and creation bytecode. */
export async function readArtifact(contractName: string): Promise<{ abi: Abi; bytecode: Hex }> {
  const artifact = await hre.artifacts.readArtifact(contractName);
  return { abi: artifact.abi as Abi, bytecode: artifact.bytecode as Hex };
}

/** ABI-encodes a call of `functionName` of `contractName` (artifact ABI). */
export async function encodeCall(
  contractName: string,
  functionName: string,
  args: unknown[] = [],
): Promise<Hex> {
  const { abi } = await readArtifact(contractName);
  return encodeFunctionData({ abi, functionName, args });
}

/**
 * Reduces a thrown provider error to what is compared across networks: numeric code, message,
 * and revert data (`error.data` when it is a string, else `error.data.data`).
 */
export function toErrorRecord(error: unknown): ErrorRecord {
  const e = error as { code?: unknown; message?: unknown; data?: unknown };
  const raw = e?.data;
  const data =
    typeof raw === "string"
      ? raw
      : typeof raw === "object" && raw !== null
        ? (raw as { data?: unknown }).data
        : undefined;
  return { code: e?.code, message: String(e?.message ?? error), data };
}

/** Converts a {@link TxInput} to a JSON-RPC transaction object (quantities as hex). */
export function toRpcTx(tx: TxInput): Record<string, string> {
  const out: Record<string, string> = { from: tx.from };
  if (tx.to !== undefined) out.to = tx.to;
  if (tx.data !== undefined) out.data = tx.data;
  for (const key of [
    "value",
    "gas",
    "gasPrice",
    "maxFeePerGas",
    "maxPriorityFeePerGas",
    "nonce",
  ] as const) {
    const v = tx[key];
    if (v !== undefined) out[key] = numberToHex(v);
  }
  return out;
}

function pick<K extends string>(
  source: Record<string, unknown>,
  keys: readonly K[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (key in source) out[key] = source[key];
  return out;
}
