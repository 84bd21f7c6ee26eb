/**
 * The `declared` executor on calls into other contracts (`@custom:calls`), each block compared
 * with the sequential executor (header hash, outcomes with read/write sets, pool, full state):
 * random blocks of payments through a router (an immutable callee, a callee held in a state
 * variable, a relay two calls deep) keep the declared schedule; a callee without a manifest and
 * calls nested deeper than the bound make the transaction run alone (the reason in the record);
 * a nested call outside its declaration, or a call made without `@custom:calls`, sends the block
 * to Block-STM with the reason; and the run-time check names the nested frame's violation.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import fc from "fast-check";
import solc from "solc";
import {
  type Abi,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  type Hex,
  maxUint256,
} from "viem";
import { Chain } from "../../sdk/engine/chain.ts";
import { buildAccessManifests } from "../../sdk/access/solc-output.ts";
import { ContractIndex } from "../../sdk/contracts/contract-index.ts";
import { ManifestDeclarations } from "../../sdk/rpc/declarations.ts";
import type { ExecutorName } from "../../sdk/engine/options.ts";
import { nonceKey } from "../../sdk/engine/location.ts";
import { FIXED_DATE, GAS_PRICE, mineAndCompare, type TestChain } from "./helpers.ts";

const SOURCE = "CallFixtures.sol";
const PARALLEL_ALWAYS = { minTransactions: 0, minGas: 0n };
const RUNS = Number(process.env.HP_DECLARED_RUNS ?? 1000) >= 1000 ? 40 : 10;

interface Compiled {
  abi: Abi;
  bytecode: Hex;
  deployedBytecode: Hex;
  immutableReferences?: Record<string, Array<{ start: number; length: number }>>;
}

let compiled:
  | { contracts: Record<string, Compiled>; declarations: ManifestDeclarations }
  | undefined;

/** Compiles the fixtures and builds their declarations, without PlainCallToken's manifest. */
function fixtures(): NonNullable<typeof compiled> {
  if (compiled !== undefined) return compiled;
  const input = {
    language: "Solidity",
    sources: {
      [SOURCE]: {
        content: readFileSync(
          new URL("../fixtures/contracts/engine/CallFixtures.sol", import.meta.url),
          "utf8",
        ),
      },
    },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      outputSelection: {
        "*": {
          "*": [
            "abi",
            "evm.bytecode.object",
            "evm.deployedBytecode.object",
            "evm.deployedBytecode.immutableReferences",
            "storageLayout",
          ],
          "": ["ast"],
        },
      },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === "error");
  if (errors.length > 0) throw new Error(JSON.stringify(errors));
  const built = buildAccessManifests(input, output);
  if (built.errors.length > 0) throw new Error(built.errors.map((e) => e.format()).join("\n"));
  const contracts: Record<string, Compiled> = {};
  for (const [name, c] of Object.entries(
    output.contracts[SOURCE] as Record<
      string,
      {
        abi: Abi;
        evm: {
          bytecode: { object: string };
          deployedBytecode: {
            object: string;
            immutableReferences?: Compiled["immutableReferences"];
          };
        };
      }
    >,
  )) {
    contracts[name] = {
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      immutableReferences: c.evm.deployedBytecode.immutableReferences,
    };
  }
  const index = new ContractIndex();
  index.add(
    Object.entries(contracts).map(([contractName, c]) => ({
      contractName,
      sourceName: SOURCE,
      ...c,
    })),
  );
  const declarations = new ManifestDeclarations(index);
  for (const manifest of built.manifests)
    if (manifest.contractName !== "PlainCallToken") declarations.add(manifest);
  compiled = { contracts, declarations };
  return compiled;
}

interface Deployed {
  token: Hex;
  plain: Hex;
  router: Hex;
  plainRouter: Hex;
  /** relays[0] → router; relays[i] → relays[i - 1]. */
  relays: Hex[];
}

const USERS = 16;

/** A chain with the fixtures deployed and every user's allowance given to both routers. */
async function makeChain(
  executor: ExecutorName,
): Promise<TestChain & { deployed: Deployed; accounts: Hex[] }> {
  const { contracts: c, declarations } = fixtures();
  const chain = await Chain.create({
    executor,
    mining: { auto: false },
    initialDate: FIXED_DATE,
    ...(executor === "declared" ? { lanes: 2, fallback: PARALLEL_ALWAYS } : {}),
  });
  chain.setDeclarations(declarations);
  const accounts = chain.accounts.map((a) => a.address.toLowerCase() as Hex);
  const t = { chain, fixtures: {} as never, nonces: new Map<string, bigint>() };
  const deployer = accounts[0];
  const at = (nonce: number) =>
    getContractAddress({ from: deployer, nonce: BigInt(nonce) }).toLowerCase() as Hex;
  const holders = accounts.slice(0, USERS);
  const deployed: Deployed = {
    token: at(0),
    plain: at(1),
    router: at(2),
    plainRouter: at(3),
    relays: [at(4), at(5), at(6), at(7), at(8)],
  };
  const deploys: Hex[] = [
    encodeDeployData({
      abi: c.CallToken.abi,
      bytecode: c.CallToken.bytecode,
      args: [holders, 10n ** 24n],
    }),
    encodeDeployData({
      abi: c.PlainCallToken.abi,
      bytecode: c.PlainCallToken.bytecode,
      args: [holders, 10n ** 24n],
    }),
    encodeDeployData({
      abi: c.CallRouter.abi,
      bytecode: c.CallRouter.bytecode,
      args: [deployed.token, deployed.token],
    }),
    encodeDeployData({
      abi: c.CallRouter.abi,
      bytecode: c.CallRouter.bytecode,
      args: [deployed.plain, deployed.plain],
    }),
    ...deployed.relays.map((_, i) =>
      encodeDeployData({
        abi: c.CallRelay.abi,
        bytecode: c.CallRelay.bytecode,
        args: [i === 0 ? deployed.router : deployed.relays[i - 1]],
      }),
    ),
  ];
  for (const data of deploys) await send(t, deployer, undefined, data, 2_000_000n);
  await chain.mine(BigInt(FIXED_DATE.getTime() / 1000) + 12n);
  for (const user of holders) {
    for (const [token, spender] of [
      [deployed.token, deployed.router],
      [deployed.plain, deployed.plainRouter],
    ])
      await send(t, user, token, call("CallToken", "approve", [spender, maxUint256]));
  }
  // The first relay (which the router sees as msg.sender) holds tokens and an allowance: the
  // deployer gives it tokens; its own approve cannot be sent, so it pays nothing (calls revert).
  await chain.mine(chain.latest().header.timestamp + 12n);
  return { ...t, deployed, accounts };
}

function call(contract: string, functionName: string, args: unknown[]): Hex {
  return encodeFunctionData({ abi: fixtures().contracts[contract].abi, functionName, args });
}

async function send(
  t: TestChain,
  from: Hex,
  to: Hex | undefined,
  data: Hex,
  gasLimit = 300_000n,
): Promise<void> {
  const nonce = t.nonces.get(from) ?? t.chain.state.read(nonceKey(from));
  await t.chain.submit(
    t.chain.buildTransaction(
      { type: 2, nonce, gasLimit, maxFeePerGas: GAS_PRICE, maxPriorityFeePerGas: 1n, to, data },
      from,
    ),
  );
  t.nonces.set(from, nonce + 1n);
}

type Payment =
  | { kind: "pay"; from: number; to: number; amount: bigint }
  | { kind: "payCurrent"; from: number; to: number; amount: bigint }
  | { kind: "direct"; from: number; to: number; amount: bigint };

async function submit(t: Awaited<ReturnType<typeof makeChain>>, ops: Payment[]): Promise<void> {
  const { deployed, accounts } = t;
  for (const op of ops) {
    const from = accounts[op.from];
    const to = accounts[op.to];
    if (op.kind === "direct")
      await send(t, from, deployed.token, call("CallToken", "transfer", [to, op.amount]));
    else await send(t, from, deployed.router, call("CallRouter", op.kind, [to, op.amount]));
  }
}

describe("declared executor: calls into other contracts", function () {
  this.timeout(300_000);
  const chains: TestChain[] = [];
  afterEach(async () => {
    for (const t of chains.splice(0)) await t.chain.dispose();
  });

  async function pair() {
    const ref = await makeChain("sequential");
    const sub = await makeChain("declared");
    chains.push(ref, sub);
    return { ref, sub };
  }

  it("payments through the router between distinct users keep the declared schedule", async () => {
    const { ref, sub } = await pair();
    const ops: Payment[] = [...Array(8).keys()].map((i) => ({
      kind: i % 2 === 0 ? "pay" : "payCurrent",
      from: i,
      to: 8 + i,
      amount: 5n + BigInt(i),
    }));
    await submit(ref, ops);
    await submit(sub, ops);
    const { sub: block } = await mineAndCompare(ref, sub);
    expect(block.outcomes.every((o) => o.status === 1)).to.equal(true);
    expect(block.record).to.include({ executor: "declared", executedBy: "declared" });
    expect(block.record.fallbackReason).to.equal(undefined);
    expect(block.record.schedule).to.deep.equal({ declared: 8, undeclared: 0, longestChain: 1 });
  });

  it("random blocks of router payments and direct transfers equal the sequential executor", async () => {
    const { ref, sub } = await pair();
    const user = fc.integer({ min: 0, max: USERS - 1 });
    const payment = fc.record({
      kind: fc.constantFrom("pay" as const, "payCurrent" as const, "direct" as const),
      from: user,
      to: user,
      amount: fc.bigInt({ min: 0n, max: 2n * 10n ** 24n }),
    });
    let kept = 0;
    let fellBack = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(payment, { minLength: 2, maxLength: 12 }), async (ops) => {
        await submit(ref, ops);
        await submit(sub, ops);
        const { sub: block } = await mineAndCompare(ref, sub);
        // Declared calls are exact here: a block leaves its schedule only when it is one chain.
        if (block.record.executedBy === "declared") kept++;
        else {
          fellBack++;
          expect(block.record.fallbackReason, block.record.fallbackReason).to.match(
            /one chain|nothing can run in parallel/,
          );
        }
      }),
      { numRuns: RUNS },
    );
    expect(kept).to.be.greaterThan(fellBack);
  });

  it("the run-time check composes the callee's declaration: an honest nested frame is checked and passes", async () => {
    const { ref, sub } = await pair();
    for (const t of [ref, sub]) await submit(t, [{ kind: "pay", from: 1, to: 2, amount: 3n }]);
    const { sub: block } = await mineAndCompare(ref, sub);
    const conformance = block.outcomes[0].conformance!;
    expect(conformance.violations).to.deep.equal([]);
    expect(conformance.checkedFrames).to.equal(2); // the router's frame and the token's
  });

  it("a callee without a manifest: the transaction runs alone, the record says why", async () => {
    const { ref, sub } = await pair();
    for (const t of [ref, sub]) {
      await submit(t, [
        { kind: "pay", from: 0, to: 9, amount: 1n },
        { kind: "pay", from: 3, to: 12, amount: 1n },
      ]);
      await send(
        t,
        t.accounts[1],
        t.deployed.plainRouter,
        call("CallRouter", "pay", [t.accounts[10], 2n]),
      );
      await submit(t, [
        { kind: "pay", from: 2, to: 11, amount: 1n },
        { kind: "payCurrent", from: 4, to: 13, amount: 1n },
      ]);
    }
    const { sub: block } = await mineAndCompare(ref, sub);
    expect(block.record.executedBy).to.equal("declared");
    expect(block.record.schedule).to.deep.include({ declared: 4, undeclared: 1, longestChain: 3 });
    expect(block.record.schedule!.alone).to.deep.equal([
      {
        transaction: 2,
        reason: `CallRouter.pay(address,uint256): the call token.transferFrom(msg.sender, to, amount) goes to ${sub.deployed.plain}, a contract without an access manifest`,
      },
    ]);
  });

  it("calls nested deeper than the bound make the transaction run alone", async () => {
    const { ref, sub } = await pair();
    for (const t of [ref, sub]) {
      await submit(t, [{ kind: "pay", from: 0, to: 9, amount: 1n }]);
      // relays[4] → relays[3] → … → relays[0] → router → token: 6 calls below the transaction.
      await send(
        t,
        t.accounts[1],
        t.deployed.relays[4],
        call("CallRelay", "pay", [t.accounts[10], 0n]),
      );
      // relays[1] → relays[0] → router → token: 3 calls, within the bound.
      await send(
        t,
        t.accounts[2],
        t.deployed.relays[1],
        call("CallRelay", "pay", [t.accounts[11], 0n]),
      );
    }
    const { sub: block } = await mineAndCompare(ref, sub);
    expect(block.record.schedule).to.deep.include({ declared: 2, undeclared: 1 });
    expect(block.record.schedule!.alone![0].transaction).to.equal(1);
    expect(block.record.schedule!.alone![0].reason).to.match(
      /^CallRelay\.pay\(address,uint256\): the call next\.pay\(to, amount\) is nested more than 4 calls deep/,
    );
  });

  it("a nested call outside its declaration sends the block to block-stm, naming the callee's slot", async () => {
    const { ref, sub } = await pair();
    for (const t of [ref, sub]) {
      await submit(t, [{ kind: "pay", from: 0, to: 9, amount: 1n }]);
      await send(
        t,
        t.accounts[1],
        t.deployed.router,
        call("CallRouter", "payOther", [t.accounts[10], t.accounts[12], 2n]),
      );
    }
    const { sub: block } = await mineAndCompare(ref, sub);
    expect(block.record.executedBy).to.equal("block-stm");
    expect(block.record.fallbackReason, block.record.fallbackReason).to.match(
      new RegExp(
        `^transaction 1 \\(CallRouter\\.payOther\\(address,address,uint256\\)\\) wrote CallToken\\.balanceOf\\[${sub.accounts[12]}\\] \\(slot 0x[0-9a-f]{64} of ${sub.deployed.token}\\), outside its declared access; block re-executed with block-stm`,
      ),
    );
    const violations = block.outcomes[1].conformance!.violations;
    expect(violations).to.have.length(1);
    expect(violations[0]).to.include({
      contract: "CallRouter",
      function: "payOther(address,address,uint256)",
      address: sub.deployed.token,
      access: "write",
      nested: true,
      label: `CallToken.balanceOf[${sub.accounts[12]}]`,
    });
  });

  it("a call made without @custom:calls falls back as before", async () => {
    const { ref, sub } = await pair();
    for (const t of [ref, sub]) {
      await submit(t, [{ kind: "pay", from: 0, to: 9, amount: 1n }]);
      await send(
        t,
        t.accounts[1],
        t.deployed.router,
        call("CallRouter", "payUndeclared", [t.accounts[10], 2n]),
      );
    }
    const { sub: block } = await mineAndCompare(ref, sub);
    expect(block.record.executedBy).to.equal("block-stm");
    expect(block.record.fallbackReason).to.match(
      /^transaction 1 \(CallRouter\.payUndeclared\(address,uint256\)\) (read|wrote) .* outside its declared access/,
    );
  });

  it("a callee held in a state variable is read before the block: changing it in the block falls back", async () => {
    const { ref, sub } = await pair();
    for (const t of [ref, sub]) {
      await send(
        t,
        t.accounts[0],
        t.deployed.router,
        call("CallRouter", "setCurrent", [t.deployed.plain]),
      );
      await submit(t, [{ kind: "payCurrent", from: 1, to: 10, amount: 0n }]);
      await submit(t, [{ kind: "pay", from: 2, to: 11, amount: 1n }]);
    }
    const { sub: block } = await mineAndCompare(ref, sub);
    // payCurrent waits for setCurrent (it reads `current`) but was declared for the old callee.
    expect(block.record.executedBy).to.equal("block-stm");
    expect(block.record.fallbackReason).to.match(
      /^transaction 1 \(CallRouter\.payCurrent\(address,uint256\)\)/,
    );
  });
});
