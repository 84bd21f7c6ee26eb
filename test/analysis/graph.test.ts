import { expect } from "chai";
import {
  balanceKey,
  codeKey,
  nonceKey,
  storageKey,
  type LocationKey,
} from "../../sdk/engine/location.ts";
import {
  analyseBlock,
  buildDependencyGraph,
  defaultLocationLabel,
  functionRef,
  labelLocation,
  mergeHotLocations,
  rankHotLocations,
  REMEDY_HINTS,
} from "../../sdk/analysis/index.ts";
import { ALICE, BOB, TOKEN, VAULT, block, loc, tokenSlot, vaultSlot } from "./helpers.ts";

const BAL_A = vaultSlot(0xaaaan);
const BAL_B = vaultSlot(0xbbbbn);
const SUPPLY = vaultSlot(0n);

const decode = (key: string): string | undefined => {
  if (key === SUPPLY) return "Vault.totalSupply";
  if (key === BAL_A) return `Vault.balanceOf[${ALICE}]`;
  if (key === BAL_B) return `Vault.balanceOf[${BOB}]`;
  return undefined;
};

/** Two deposits, a withdraw and an unrelated token transfer. */
const vaultBlock = () =>
  block([
    { contractName: "Vault", functionName: "deposit", reads: [SUPPLY], writes: [SUPPLY, BAL_A] },
    { contractName: "Vault", functionName: "deposit", reads: [SUPPLY], writes: [SUPPLY, BAL_B] },
    {
      contractName: "Vault",
      functionName: "withdraw",
      reads: [SUPPLY, BAL_A],
      writes: [SUPPLY, BAL_A],
    },
    {
      to: TOKEN,
      contractName: "Token",
      functionName: "transfer",
      reads: [tokenSlot(1n)],
      writes: [tokenSlot(1n), tokenSlot(2n)],
    },
  ]);

describe("dependency graph", () => {
  it("links each read to the latest earlier writer and remembers the causing locations", () => {
    const graph = buildDependencyGraph(vaultBlock());
    expect(graph.size).to.equal(4);
    expect(graph.dependencies).to.deep.equal([
      { from: 0, to: 1, locations: [SUPPLY] },
      { from: 0, to: 2, locations: [BAL_A] },
      { from: 1, to: 2, locations: [SUPPLY] },
    ]);
    expect(graph.predecessors).to.deep.equal([[], [0], [0, 1], []]);
  });

  it("ignores blind overwrites: only the latest writer is a dependency", () => {
    const graph = buildDependencyGraph(
      block([{ writes: [loc(1)] }, { writes: [loc(1)] }, { reads: [loc(1)] }]),
    );
    expect(graph.dependencies).to.deep.equal([{ from: 1, to: 2, locations: [loc(1)] }]);
  });

  it("groups several locations into one edge, sorted", () => {
    const graph = buildDependencyGraph(
      block([{ writes: [loc(5), loc(2), loc(9)] }, { reads: [loc(9), loc(2), loc(7)] }]),
    );
    expect(graph.dependencies).to.deep.equal([{ from: 0, to: 1, locations: [loc(2), loc(9)] }]);
  });

  it("has no edges for disjoint writes, for reads before writes, or for own writes", () => {
    const graph = buildDependencyGraph(
      block([
        { reads: [loc(1)], writes: [loc(1)] },
        { reads: [loc(2)], writes: [loc(2)] },
        { reads: [loc(3)] },
        { writes: [loc(3)] },
      ]),
    );
    expect(graph.dependencies).to.deep.equal([]);
    expect(graph.predecessors).to.deep.equal([[], [], [], []]);
  });

  it("is empty for the empty block", () => {
    expect(buildDependencyGraph([])).to.deep.equal({ size: 0, dependencies: [], predecessors: [] });
  });
});

describe("hot locations", () => {
  it("ranks locations by dependencies caused, with writer and reader functions", () => {
    const txs = vaultBlock();
    const hot = rankHotLocations(txs, buildDependencyGraph(txs).dependencies, decode);
    expect(hot).to.deep.equal([
      {
        location: SUPPLY,
        address: VAULT,
        label: "Vault.totalSupply",
        decoded: true,
        contract: "Vault",
        dependencies: 2,
        writers: [{ contract: "Vault", function: "deposit", dependencies: 2 }],
        readers: [
          { contract: "Vault", function: "deposit", dependencies: 1 },
          { contract: "Vault", function: "withdraw", dependencies: 1 },
        ],
        // Read and written by `deposit`, named like a total: the sharding hint.
        remedy: { pattern: "shared-total", hint: REMEDY_HINTS["shared-total"] },
      },
      {
        location: BAL_A,
        address: VAULT,
        label: `Vault.balanceOf[${ALICE}]`,
        decoded: true,
        contract: "Vault",
        dependencies: 1,
        writers: [{ contract: "Vault", function: "deposit", dependencies: 1 }],
        readers: [{ contract: "Vault", function: "withdraw", dependencies: 1 }],
      },
    ]);
  });

  it("counts an edge caused by two locations once for each", () => {
    const txs = block([{ writes: [loc(1), loc(2)] }, { reads: [loc(1), loc(2)] }]);
    const hot = rankHotLocations(txs, buildDependencyGraph(txs).dependencies);
    expect(hot.map((h) => [h.location, h.dependencies])).to.deep.equal([
      [loc(1), 1],
      [loc(2), 1],
    ]);
  });

  it("breaks ties by label and falls back to default labels", () => {
    const txs = block([
      { writes: [loc(2), balanceKey(BOB)] },
      { reads: [loc(2), balanceKey(BOB)] },
    ]);
    const hot = rankHotLocations(txs, buildDependencyGraph(txs).dependencies);
    expect(hot.map((h) => h.label)).to.deep.equal([`balance(${BOB})`, `storage(${VAULT})[0x2]`]);
    expect(hot.every((h) => !h.decoded && h.contract === undefined)).to.equal(true);
  });

  it("merges lists by summing counts and prefers decoded labels", () => {
    const txs = vaultBlock();
    const deps = buildDependencyGraph(txs).dependencies;
    const merged = mergeHotLocations([
      rankHotLocations(txs, deps),
      rankHotLocations(txs, deps, decode),
    ]);
    expect(merged.map((h) => [h.label, h.dependencies])).to.deep.equal([
      ["Vault.totalSupply", 4],
      [`Vault.balanceOf[${ALICE}]`, 2],
    ]);
    expect(merged[0].writers).to.deep.equal([
      { contract: "Vault", function: "deposit", dependencies: 4 },
    ]);
  });

  it("rejects edges that point outside the transactions", () => {
    expect(() => rankHotLocations(block([{}]), [{ from: 0, to: 3, locations: [loc(1)] }])).to.throw(
      RangeError,
      /outside the 1 transactions/,
    );
  });
});

describe("labels", () => {
  it("formats account fields and storage slots", () => {
    expect(defaultLocationLabel(balanceKey(ALICE))).to.equal(`balance(${ALICE})`);
    expect(defaultLocationLabel(nonceKey(ALICE))).to.equal(`nonce(${ALICE})`);
    expect(defaultLocationLabel(codeKey(ALICE))).to.equal(`code(${ALICE})`);
    expect(defaultLocationLabel(storageKey(VAULT, 0n))).to.equal(`storage(${VAULT})[0x0]`);
    const hashed = `0x${"8a".repeat(32)}` as const;
    expect(defaultLocationLabel(storageKey(VAULT, hashed))).to.equal(
      `storage(${VAULT})[${hashed}]`,
    );
    expect(() => defaultLocationLabel("x:0x1" as LocationKey)).to.throw(/invalid location key/);
  });

  it("uses the decoder when it knows the location", () => {
    expect(labelLocation(SUPPLY, decode)).to.deep.equal({
      label: "Vault.totalSupply",
      decoded: true,
    });
    expect(labelLocation(loc(7), decode)).to.deep.equal({
      label: `storage(${VAULT})[0x7]`,
      decoded: false,
    });
    expect(labelLocation(loc(7), () => "")).to.deep.equal({
      label: `storage(${VAULT})[0x7]`,
      decoded: false,
    });
  });

  it("names functions by name, selector, deployment or transfer", () => {
    expect(
      functionRef({ to: VAULT, contractName: "Vault", functionName: "deposit" }),
    ).to.deep.equal({
      contract: "Vault",
      function: "deposit",
    });
    expect(functionRef({ to: VAULT, selector: "0xb6b55f25" })).to.deep.equal({
      contract: VAULT,
      function: "0xb6b55f25",
    });
    expect(functionRef({ to: null, contractName: "Vault" })).to.deep.equal({
      contract: "Vault",
      function: "constructor",
    });
    expect(functionRef({ to: null })).to.deep.equal({
      contract: "(create)",
      function: "constructor",
    });
    expect(functionRef({ to: BOB })).to.deep.equal({ contract: BOB, function: "(transfer)" });
  });

  it("labels violations with the decoder in analyseBlock", () => {
    const analysis = analyseBlock(block([{}]), {
      decode,
      blockNumber: 7n,
      violations: [
        { txIndex: 0, contract: "Vault", function: "deposit", location: SUPPLY, access: "write" },
        {
          txIndex: 0,
          contract: "Vault",
          function: "deposit",
          location: loc(3),
          access: "read",
          label: "x",
        },
      ],
    });
    expect(analysis.violations).to.deep.equal([
      {
        txIndex: 0,
        blockNumber: 7n,
        contract: "Vault",
        function: "deposit",
        location: SUPPLY,
        access: "write",
        label: "Vault.totalSupply",
      },
      {
        txIndex: 0,
        blockNumber: 7n,
        contract: "Vault",
        function: "deposit",
        location: loc(3),
        access: "read",
        label: "x",
      },
    ]);
    expect(analyseBlock(block([{}])).violations).to.equal(undefined);
  });
});
