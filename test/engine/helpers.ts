/**
 * Helpers of the engine tests: fixture contracts compiled in-process with solc, chains built
 * from one genesis, transaction builders for the mixed workload, and a block-by-block comparison
 * of two chains (state, outcomes, header hash). The fixtures' annotations give the declaration
 * source of the `declared` executor's tests ({@link engineDeclarations}).
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import fc from "fast-check";
import solc from "solc";
import { encodeFunctionData, getContractAddress, type Abi, type Hex } from "viem";
import { Chain, type MinedBlock } from "../../sdk/engine/chain.ts";
import type { StorageLayout } from "../../sdk/access/layout.ts";
import {
  buildAccessManifests,
  type SolcInputLike,
  type SolcOutputLike,
} from "../../sdk/access/solc-output.ts";
import { ContractIndex } from "../../sdk/contracts/contract-index.ts";
import { ManifestDeclarations } from "../../sdk/rpc/declarations.ts";
import type { ExecutorName, ParallelChainOptions } from "../../sdk/engine/options.ts";
import { balanceKey, nonceKey } from "../../sdk/engine/location.ts";

export interface Artifact {
  abi: Abi;
  bytecode: Hex;
}

let compiled: Record<string, Artifact> | undefined;
let declarations: ManifestDeclarations | undefined;
const SOURCE = "EngineFixtures.sol";

interface SolcContract {
  abi: Abi;
  storageLayout: StorageLayout;
  evm: { bytecode: { object: string }; deployedBytecode: { object: string } };
}

let solcRun:
  | {
      input: SolcInputLike;
      output: SolcOutputLike & { contracts: Record<string, Record<string, SolcContract>> };
    }
  | undefined;

/** Compiles `test/fixtures/contracts/engine/EngineFixtures.sol` once (solc npm, optimizer on). */
function compile(): NonNullable<typeof solcRun> {
  if (solcRun !== undefined) return solcRun;
  const path = new URL("../fixtures/contracts/engine/EngineFixtures.sol", import.meta.url);
  const input = {
    language: "Solidity",
    sources: { [SOURCE]: { content: readFileSync(path, "utf8") } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      outputSelection: {
        "*": {
          "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "storageLayout"],
          "": ["ast"],
        },
      },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === "error");
  if (errors.length > 0)
    throw new Error(errors.map((e: { formattedMessage: string }) => e.formattedMessage).join("\n"));
  solcRun = { input, output };
  return solcRun;
}

/** ABI and creation bytecode of each fixture contract. */
export function artifacts(): Record<string, Artifact> {
  if (compiled !== undefined) return compiled;
  compiled = {};
  for (const [name, c] of Object.entries(compile().output.contracts[SOURCE])) {
    compiled[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  }
  return compiled;
}

/**
 * The fixtures' access manifests, built from their annotations as the build hook does, as the
 * engine's declaration source (what the `declared` executor schedules with).
 */
export function engineDeclarations(): ManifestDeclarations {
  if (declarations !== undefined) return declarations;
  const { input, output } = compile();
  const built = buildAccessManifests(input, output);
  if (built.errors.length > 0) throw new Error(built.errors.map((e) => e.message).join("\n"));
  const registry = new ContractIndex();
  registry.add(
    Object.entries(output.contracts[SOURCE]).map(([contractName, c]) => ({
      contractName,
      sourceName: SOURCE,
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}` as Hex,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}` as Hex,
    })),
  );
  declarations = new ManifestDeclarations(registry);
  for (const manifest of built.manifests) declarations.add(manifest);
  return declarations;
}

export const FIXED_DATE = new Date("2030-01-01T00:00:00Z");
export const GAS_PRICE = 2_000_000_000n;

/** Addresses of the deployed fixtures. */
export interface Fixtures {
  token: Hex;
  pool: Hex;
  counter: Hex;
  factory: Hex;
  probe: Hex;
}

/** A chain plus the next nonce of each sender as the test tracks it. */
export interface TestChain {
  chain: Chain;
  fixtures: Fixtures;
  nonces: Map<string, bigint>;
}

/** Builds a chain (automine off, fixed genesis date) and deploys the fixtures in block 1. */
export async function createTestChain(
  executor: ExecutorName,
  options: ParallelChainOptions = {},
  { withDeclarations = false }: { withDeclarations?: boolean } = {},
): Promise<TestChain> {
  const chain = await Chain.create({
    executor,
    mining: { auto: false },
    initialDate: FIXED_DATE,
    ...options,
  });
  if (withDeclarations) chain.setDeclarations(engineDeclarations());
  const a = artifacts();
  const deployer = chain.accounts[0].address;
  const holders = chain.accounts.map((acc) => acc.address);
  const { encodeDeployData } = await import("viem");
  const nonces = new Map<string, bigint>();
  const fixtures: Partial<Fixtures> = {};
  const deploys: Array<[keyof Fixtures, Hex]> = [
    [
      "token",
      encodeDeployData({
        abi: a.EngToken.abi,
        bytecode: a.EngToken.bytecode,
        args: [holders, 10n ** 24n],
      }),
    ],
    ["pool", a.EngPool.bytecode],
    ["counter", a.EngCounter.bytecode],
    ["factory", a.EngFactory.bytecode],
    ["probe", a.EngProbe.bytecode],
  ];
  for (const [name, data] of deploys) {
    const nonce = nonces.get(deployer) ?? 0n;
    nonces.set(deployer, nonce + 1n);
    await chain.submit(
      chain.buildTransaction(
        {
          type: 2,
          nonce,
          gasLimit: 1_400_000n,
          maxFeePerGas: GAS_PRICE,
          maxPriorityFeePerGas: 1n,
          data,
        },
        deployer,
      ),
    );
    fixtures[name] = getContractAddress({ from: deployer, nonce }).toLowerCase() as Hex;
  }
  await chain.mine(BigInt(FIXED_DATE.getTime() / 1000) + 12n);
  return { chain, fixtures: fixtures as Fixtures, nonces };
}

/** One operation of the random workload. */
export type Op =
  | { kind: "eth"; from: number; to: number; value: bigint }
  | { kind: "erc20"; from: number; to: number; value: bigint }
  | { kind: "mint"; from: number; to: number }
  | { kind: "snapshot"; from: number; who: number }
  | { kind: "swap"; from: number; dx: bigint }
  | { kind: "counter"; from: number }
  | { kind: "guarded"; from: number }
  | { kind: "revert"; from: number }
  | { kind: "oog"; from: number }
  | { kind: "create"; from: number; v: bigint }
  | { kind: "bumpLast"; from: number }
  | { kind: "readBalance"; from: number; who: number }
  | { kind: "readCoinbase"; from: number }
  | { kind: "payCoinbase"; from: number; value: bigint }
  | { kind: "drain"; from: number; to: number };

/** Calldata, target, value and gas limit of an operation. */
export function opToTx(
  op: Op,
  t: TestChain,
): { to: Hex; data: Hex; value: bigint; gasLimit: bigint } {
  const a = artifacts();
  const acc = (i: number) => t.chain.accounts[i % t.chain.accounts.length].address;
  const { token, pool, counter, factory, probe } = t.fixtures;
  switch (op.kind) {
    case "eth":
      return { to: acc(op.to), data: "0x", value: op.value, gasLimit: 21_000n };
    case "drain": {
      // Sends almost everything: later transactions of this sender become invalid (funds).
      const balance = t.chain.state.read(balanceKey(acc(op.from)));
      return {
        to: acc(op.to),
        data: "0x",
        value: balance > 10n ** 17n ? balance - 10n ** 17n : 0n,
        gasLimit: 21_000n,
      };
    }
    case "erc20":
      return {
        to: token,
        data: encodeFunctionData({
          abi: a.EngToken.abi,
          functionName: "transfer",
          args: [acc(op.to), op.value],
        }),
        value: 0n,
        gasLimit: 100_000n,
      };
    case "mint":
      return {
        to: token,
        data: encodeFunctionData({
          abi: a.EngToken.abi,
          functionName: "mint",
          args: [acc(op.to), 5n],
        }),
        value: 0n,
        gasLimit: 100_000n,
      };
    case "snapshot":
      return {
        to: token,
        data: encodeFunctionData({
          abi: a.EngToken.abi,
          functionName: "snapshot",
          args: [acc(op.who)],
        }),
        value: 0n,
        gasLimit: 100_000n,
      };
    case "swap":
      return {
        to: pool,
        data: encodeFunctionData({ abi: a.EngPool.abi, functionName: "swap", args: [op.dx] }),
        value: 0n,
        gasLimit: 150_000n,
      };
    case "counter":
      return {
        to: counter,
        data: encodeFunctionData({ abi: a.EngCounter.abi, functionName: "inc" }),
        value: 0n,
        gasLimit: 60_000n,
      };
    case "guarded":
      return {
        to: counter,
        data: encodeFunctionData({ abi: a.EngCounter.abi, functionName: "guardedInc" }),
        value: 0n,
        gasLimit: 80_000n,
      };
    case "revert":
      return {
        to: counter,
        data: encodeFunctionData({ abi: a.EngCounter.abi, functionName: "fail" }),
        value: 0n,
        gasLimit: 60_000n,
      };
    case "oog":
      return {
        to: counter,
        data: encodeFunctionData({ abi: a.EngCounter.abi, functionName: "burn" }),
        value: 0n,
        gasLimit: 80_000n,
      };
    case "create":
      return {
        to: factory,
        data: encodeFunctionData({ abi: a.EngFactory.abi, functionName: "create", args: [op.v] }),
        value: 0n,
        gasLimit: 400_000n,
      };
    case "bumpLast":
      return {
        to: factory,
        data: encodeFunctionData({ abi: a.EngFactory.abi, functionName: "bumpLast" }),
        value: 0n,
        gasLimit: 100_000n,
      };
    case "readBalance":
      return {
        to: probe,
        data: encodeFunctionData({
          abi: a.EngProbe.abi,
          functionName: "record",
          args: [acc(op.who)],
        }),
        value: 0n,
        gasLimit: 80_000n,
      };
    case "readCoinbase":
      return {
        to: probe,
        data: encodeFunctionData({ abi: a.EngProbe.abi, functionName: "recordCoinbase" }),
        value: 0n,
        gasLimit: 80_000n,
      };
    case "payCoinbase":
      return {
        to: probe,
        data: encodeFunctionData({
          abi: a.EngProbe.abi,
          functionName: "pay",
          args: [t.chain.coinbase],
        }),
        value: op.value,
        gasLimit: 80_000n,
      };
  }
}

/** Submits `ops` (each from its sender's next nonce) to the pool of `t`. */
export async function submitOps(t: TestChain, ops: Op[]): Promise<void> {
  for (const op of ops) {
    const from = t.chain.accounts[op.from % t.chain.accounts.length].address;
    const { to, data, value, gasLimit } = opToTx(op, t);
    const nonce = t.nonces.get(from) ?? t.chain.state.read(nonceKey(from));
    try {
      await t.chain.submit(
        t.chain.buildTransaction(
          {
            type: 2,
            nonce,
            gasLimit,
            maxFeePerGas: GAS_PRICE,
            maxPriorityFeePerGas: 1n,
            to,
            data,
            value,
          },
          from,
        ),
      );
      t.nonces.set(from, nonce + 1n);
    } catch {
      // Rejected by the pool (e.g. not enough funds for the upfront cost): not part of the block.
    }
  }
}

/** The comparable part of a mined block. */
export function blockSummary(block: MinedBlock): unknown {
  return {
    hash: block.hash,
    transactions: block.transactions.map((t) => t.hash),
    outcomes: block.outcomes.map((o) => ({
      status: o.status,
      gasUsed: o.gasUsed,
      blockGasUsed: o.blockGasUsed,
      logs: o.logs,
      contractAddress: o.contractAddress,
      writes: [...o.writes],
      reads: [...o.reads].sort((x, y) => (x[0] < y[0] ? -1 : 1)),
      codes: [...o.codes.keys()],
      feeCredit: o.feeCredit,
      logsBloom: o.logsBloom,
      effectiveGasPrice: o.effectiveGasPrice,
      error: o.error,
    })),
  };
}

/** Sorted state entries (comparable with deep equality). */
export function stateOf(chain: Chain): Array<[string, bigint]> {
  return [...chain.state.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}

/** Mines one block on each chain and asserts identical blocks, rejections and state. */
export async function mineAndCompare(
  reference: TestChain,
  subject: TestChain,
): Promise<{ ref: MinedBlock; sub: MinedBlock }> {
  // Explicit timestamps: the default follows the wall clock, which differs between the chains.
  const timestamp = reference.chain.latest().header.timestamp + 12n;
  const ref = await reference.chain.mine(timestamp);
  const sub = await subject.chain.mine(timestamp);
  expect(blockSummary(sub)).to.deep.equal(blockSummary(ref));
  expect([...sub.rejected]).to.deep.equal([...ref.rejected]);
  expect(subject.chain.pool.all().map((t) => t.hash)).to.deep.equal(
    reference.chain.pool.all().map((t) => t.hash),
  );
  expect(stateOf(subject.chain)).to.deep.equal(stateOf(reference.chain));
  return { ref, sub };
}

/**
 * One step of the differential property tests: submits `ops` to both chains, mines until the
 * reference's pool is empty (at most 4 blocks), comparing every block (`onBlock` sees the
 * subject's), then drops what is still pending (invalid or not fitting) and refunds drained
 * accounts on both chains (an edit outside blocks: the lanes' replicas must catch up).
 */
export async function mineOpsAndCompare(
  reference: TestChain,
  subject: TestChain,
  ops: Op[],
  onBlock: (block: MinedBlock) => void,
): Promise<void> {
  await submitOps(reference, ops);
  await submitOps(subject, ops);
  for (let guard = 0; guard < 4; guard++) {
    const { sub } = await mineAndCompare(reference, subject);
    onBlock(sub);
    if (reference.chain.pool.size === 0) break;
  }
  for (const t of [reference, subject]) {
    for (const etx of t.chain.pool.all()) t.chain.pool.remove(etx.hash);
    t.nonces.clear();
    for (const acc of t.chain.accounts) {
      if (t.chain.state.read(balanceKey(acc.address)) < 10n ** 18n)
        t.chain.setBalance(acc.address as Hex, 100n * 10n ** 18n);
    }
  }
}

const account = fc.integer({ min: 0, max: 19 });
/** Senders concentrated on a few accounts give same-sender nonce chains. */
const sender = fc.oneof(
  { weight: 3, arbitrary: account },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }) },
);

/** One fast-check arbitrary per kind of {@link Op}; the property tests weigh them. */
export const opArbitraries: { [K in Op["kind"]]: fc.Arbitrary<Extract<Op, { kind: K }>> } = {
  eth: fc.record({
    kind: fc.constant("eth" as const),
    from: sender,
    to: account,
    value: fc.bigInt({ min: 0n, max: 10n ** 18n }),
  }),
  erc20: fc.record({
    kind: fc.constant("erc20" as const),
    from: sender,
    to: account,
    value: fc.bigInt({ min: 0n, max: 2n * 10n ** 24n }),
  }),
  mint: fc.record({ kind: fc.constant("mint" as const), from: sender, to: account }),
  snapshot: fc.record({ kind: fc.constant("snapshot" as const), from: sender, who: account }),
  swap: fc.record({
    kind: fc.constant("swap" as const),
    from: sender,
    dx: fc.bigInt({ min: 0n, max: 10n ** 20n }),
  }),
  counter: fc.record({ kind: fc.constant("counter" as const), from: sender }),
  guarded: fc.record({ kind: fc.constant("guarded" as const), from: sender }),
  revert: fc.record({ kind: fc.constant("revert" as const), from: sender }),
  oog: fc.record({ kind: fc.constant("oog" as const), from: sender }),
  create: fc.record({
    kind: fc.constant("create" as const),
    from: sender,
    v: fc.bigInt({ min: 0n, max: 1000n }),
  }),
  bumpLast: fc.record({ kind: fc.constant("bumpLast" as const), from: sender }),
  readBalance: fc.record({ kind: fc.constant("readBalance" as const), from: sender, who: account }),
  readCoinbase: fc.record({ kind: fc.constant("readCoinbase" as const), from: sender }),
  payCoinbase: fc.record({
    kind: fc.constant("payCoinbase" as const),
    from: sender,
    value: fc.bigInt({ min: 1n, max: 10n ** 15n }),
  }),
  drain: fc.record({ kind: fc.constant("drain" as const), from: sender, to: account }),
};

/** An arbitrary operation, each kind with the given weight (kinds left out never occur). */
export function weightedOp(weights: Partial<Record<Op["kind"], number>>): fc.Arbitrary<Op> {
  return fc.oneof(
    ...Object.entries(weights).map(([kind, weight]) => ({
      weight: weight!,
      arbitrary: opArbitraries[kind as Op["kind"]] as fc.Arbitrary<Op>,
    })),
  );
}
