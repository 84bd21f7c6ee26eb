/**
 * The SDK's runtime-code matcher: which artifact deployed code comes from, with solc's CBOR
 * metadata, immutables and library addresses ignored. Synthetic code for the rules, then real
 * solc output deployed on the parallel provider, seen through the contract index every caller
 * uses (the network's revert messages and declared-access checks, the report's names).
 */
import assert from "node:assert/strict";
import solc from "solc";
import linker from "solc/linker.js";
import type { Abi, Address, Hex } from "viem";
import {
  metadataLength,
  type RuntimeCodeArtifact,
  RuntimeCodeMatcher,
} from "../../sdk/contracts/code-matcher.ts";
import { type ContractArtifact, ContractIndex } from "../../sdk/contracts/contract-index.ts";
import { createParallelProvider, type ParallelProvider } from "../../sdk/rpc/provider.ts";

/** solc-shaped metadata: `{ ipfs: <34 bytes>, solc: 0.8.20 }` and its length (0x0033). */
const metadata = (hashByte: string): string =>
  `a2646970667358221220${hashByte.repeat(32)}64736f6c63430008140033`;
/** Metadata without the IPFS hash (`bytecodeHash: "none"`): `{ solc: 0.8.20 }`, length 0x000a. */
const METADATA_NO_HASH = "a164736f6c6343000814000a";
/** PUSH32 <32 bytes> POP STOP: an immutable's place at bytes 1..32. */
const pushCode = (word: string): string => `7f${word.repeat(32)}5000`;

function matcherOf(artifacts: Array<[string, RuntimeCodeArtifact]>): RuntimeCodeMatcher<string> {
  const matcher = new RuntimeCodeMatcher<string>();
  for (const [name, artifact] of artifacts) matcher.add(artifact, name);
  return matcher;
}

describe("runtime code matcher", function () {
  it("finds the CBOR metadata length of solc's runtime code", function () {
    assert.equal(metadataLength(Buffer.from(`6080${metadata("11")}`, "hex")), 0x33 + 2);
    assert.equal(metadataLength(Buffer.from(`6080${METADATA_NO_HASH}`, "hex")), 0x0a + 2);
    assert.equal(metadataLength(Buffer.from("60806040", "hex")), 0);
    // A length that points before the start, or at a byte that opens no CBOR map.
    assert.equal(metadataLength(Buffer.from("600000ff", "hex")), 0);
    assert.equal(metadataLength(Buffer.from("6000600001", "hex")), 0);
    assert.equal(metadataLength(new Uint8Array()), 0);
  });

  it("matches code equal to an artifact's, in either hex case", function () {
    const matcher = matcherOf([
      ["A", { deployedBytecode: `0x6001600055${metadata("ab")}` }],
      ["B", { deployedBytecode: `0x6002600055${metadata("ab")}` }],
    ]);
    assert.equal(matcher.match(`0x6002600055${metadata("ab")}`), "B");
    assert.equal(
      matcher.match(`0x6001600055${metadata("ab")}`.toUpperCase().replace("0X", "0x") as Hex),
      "A",
    );
    assert.equal(matcher.size, 2);
  });

  it("ignores a different metadata hash or metadata kind, not the code before it", function () {
    const matcher = matcherOf([["A", { deployedBytecode: `0x6001600055${metadata("ab")}` }]]);
    assert.equal(matcher.match(`0x6001600055${metadata("cd")}`), "A");
    assert.equal(matcher.match(`0x6001600055${METADATA_NO_HASH}`), "A");
    assert.equal(matcher.match("0x6001600055"), "A"); // compiled without metadata (appendCBOR: false)
    assert.equal(matcher.match(`0x6001600056${metadata("ab")}`), undefined);
    assert.equal(matcher.match(`0x600160005500${metadata("ab")}`), undefined);
  });

  it("ignores the bytes of immutables, and only those", function () {
    const matcher = matcherOf([
      [
        "Oracle",
        {
          deployedBytecode: `0x${pushCode("00")}${metadata("ab")}`,
          immutableReferences: { "7": [{ start: 1, length: 32 }] },
        },
      ],
    ]);
    assert.equal(matcher.match(`0x${pushCode("42")}${metadata("cd")}`), "Oracle");
    assert.equal(matcher.match(`0x7f${"42".repeat(32)}5100${metadata("ab")}`), undefined);
    // Without immutableReferences the same bytes count.
    assert.equal(
      matcherOf([["Plain", { deployedBytecode: `0x${pushCode("00")}${metadata("ab")}` }]]).match(
        `0x${pushCode("42")}${metadata("ab")}`,
      ),
      undefined,
    );
  });

  it("ignores linked library addresses in place of solc's placeholders", function () {
    const placeholder = `__$${"ab".repeat(17)}$__`;
    const pool: RuntimeCodeArtifact = {
      deployedBytecode: `0x73${placeholder}5000${metadata("ab")}`,
      deployedLinkReferences: { "contracts/Math.sol": { Math: [{ start: 1, length: 20 }] } },
    };
    const matcher = matcherOf([["Pool", pool]]);
    assert.equal(matcher.match(`0x73${"99".repeat(20)}5000${metadata("ab")}`), "Pool");
    assert.equal(matcher.match(`0x73${"99".repeat(20)}5100${metadata("ab")}`), undefined);
    // The placeholder alone (no link references, as in older artifacts) is recognised as well.
    assert.equal(
      matcherOf([["Pool", { deployedBytecode: pool.deployedBytecode }]]).match(
        `0x73${"00".repeat(20)}5000${metadata("ab")}`,
      ),
      "Pool",
    );
  });

  it("answers undefined for unknown, empty and malformed code, and skips code-less artifacts", function () {
    const matcher = new RuntimeCodeMatcher<string>();
    assert.equal(matcher.add({ deployedBytecode: "0x" }, "IERC20"), false);
    assert.equal(matcher.add({ deployedBytecode: `0x6001600055${metadata("ab")}` }, "A"), true);
    assert.equal(matcher.size, 1);
    assert.equal(matcher.match(`0x6001600155${metadata("ab")}`), undefined);
    assert.equal(matcher.match("0x6001"), undefined);
    assert.equal(matcher.match("0x"), undefined);
    assert.equal(matcher.match("0x600"), undefined);
    assert.equal(matcher.match("0xzz"), undefined);
  });

  it("prefers the artifact with identical metadata, else the one added first", function () {
    const code = "6001600055";
    const matcher = matcherOf([
      ["First", { deployedBytecode: `0x${code}${metadata("01")}` }],
      ["Second", { deployedBytecode: `0x${code}${metadata("02")}` }],
    ]);
    assert.equal(matcher.match(`0x${code}${metadata("02")}`), "Second");
    assert.equal(matcher.match(`0x${code}${metadata("01")}`), "First");
    assert.equal(matcher.match(`0x${code}${metadata("03")}`), "First");
  });

  it("caches per code and forgets unknown code when an artifact is added", function () {
    const matcher = new RuntimeCodeMatcher<{ name: string }>();
    const code = `0x6001600055${metadata("ab")}` as Hex;
    assert.equal(matcher.match(code), undefined);
    const a = { name: "A" };
    matcher.add({ deployedBytecode: code }, a);
    assert.equal(matcher.match(code), a);
    assert.equal(matcher.match(code), a);
  });
});

/** Two contracts and a library compiled with solc, deployed, and recognised from another build. */
describe("runtime code matcher: solc output deployed on the parallel network", function () {
  this.timeout(120_000);

  const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
library MatchMath {
    function double(uint256 x) external pure returns (uint256) { return x * 2; }
}
contract MatchOracle {
    uint256 public immutable start;
    address public immutable owner;
    constructor(uint256 start_) { start = start_; owner = msg.sender; }
    function price() external view returns (uint256) { return start + 1; }
}
contract MatchPool {
    error TooLarge(uint256 x);
    function twice(uint256 x) external pure returns (uint256) {
        if (x > 100) revert TooLarge(x);
        return MatchMath.double(x);
    }
}
`;

  interface SolcContract {
    abi: Abi;
    evm: {
      bytecode: { object: string };
      deployedBytecode: {
        object: string;
        immutableReferences: Record<string, Array<{ start: number; length: number }>>;
        linkReferences: Record<string, Record<string, Array<{ start: number; length: number }>>>;
      };
    };
  }

  /** A Hardhat-shaped artifact, with its init code. */
  type CompiledArtifact = ContractArtifact & { bytecode: string };

  /** Hardhat-shaped artifacts of `SOURCE` (plus `comment`, which changes only the metadata). */
  function compile(comment: string): Record<string, CompiledArtifact> {
    const input = {
      language: "Solidity",
      sources: { "Match.sol": { content: `${SOURCE}// ${comment}\n` } },
      settings: {
        optimizer: { enabled: true, runs: 200 },
        outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode"] } },
      },
    };
    const output = JSON.parse(solc.compile(JSON.stringify(input)));
    const errors = (output.errors ?? []).filter(
      (e: { severity: string }) => e.severity === "error",
    );
    if (errors.length > 0)
      throw new Error(
        errors.map((e: { formattedMessage: string }) => e.formattedMessage).join("\n"),
      );
    const artifacts: Record<string, CompiledArtifact> = {};
    for (const [name, c] of Object.entries(
      output.contracts["Match.sol"] as Record<string, SolcContract>,
    )) {
      artifacts[name] = {
        contractName: name,
        sourceName: "Match.sol",
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
        immutableReferences: c.evm.deployedBytecode.immutableReferences,
        deployedLinkReferences: c.evm.deployedBytecode.linkReferences,
      };
    }
    return artifacts;
  }

  let provider: ParallelProvider;
  let built: Record<string, CompiledArtifact>;
  /** Runtime code of MatchOracle and MatchPool deployed from another build than `built`; MatchMath's address. */
  let deployed: { oracle: Hex; pool: Hex; math: Address };

  before(async function () {
    built = compile("build one");
    const other = compile("build two");
    provider = await createParallelProvider();
    const [from] = await provider.request({ method: "eth_accounts" });
    const deploy = async (data: string): Promise<{ address: Address; code: Hex }> => {
      const hash = await provider.request({
        method: "eth_sendTransaction",
        params: [{ from, data }],
      });
      const receipt = await provider.request({
        method: "eth_getTransactionReceipt",
        params: [hash],
      });
      const address = (receipt as { contractAddress: Address }).contractAddress;
      return {
        address,
        code: await provider.request({ method: "eth_getCode", params: [address, "latest"] }),
      };
    };
    const math = await deploy(other.MatchMath.bytecode);
    const oracle = await deploy(
      `${other.MatchOracle.bytecode}${(12345).toString(16).padStart(64, "0")}`,
    );
    const pool = await deploy(
      linker.linkBytecode(other.MatchPool.bytecode, { "Match.sol:MatchMath": math.address }),
    );
    deployed = {
      oracle: oracle.code,
      pool: pool.code,
      math: math.address.toLowerCase() as Address,
    };
  });

  after(async function () {
    await provider?.dispose();
  });

  it("deploys code that differs from the artifacts in metadata, immutables and the library address", function () {
    const bytes = (code: string, start: number, length: number): string =>
      code.slice(2 + 2 * start, 2 + 2 * (start + length));
    const tail = (code: string): string =>
      code.slice(-2 * metadataLength(Buffer.from(code.slice(2), "hex")));
    for (const [code, artifact] of [
      [deployed.oracle, built.MatchOracle],
      [deployed.pool, built.MatchPool],
    ] as const) {
      assert.equal(code.length, artifact.deployedBytecode.length);
      assert.ok(metadataLength(Buffer.from(code.slice(2), "hex")) > 0);
      assert.notEqual(tail(code), tail(artifact.deployedBytecode));
    }
    const immutables = Object.values(built.MatchOracle.immutableReferences ?? {}).flat();
    assert.ok(immutables.length >= 2);
    for (const { start, length } of immutables) {
      assert.equal(bytes(built.MatchOracle.deployedBytecode, start, length), "00".repeat(length));
      assert.notEqual(bytes(deployed.oracle, start, length), "00".repeat(length));
    }
    const links = Object.values(built.MatchPool.deployedLinkReferences ?? {}).flatMap((libraries) =>
      Object.values(libraries).flat(),
    );
    assert.ok(links.length >= 1);
    for (const { start, length } of links) {
      assert.match(
        bytes(built.MatchPool.deployedBytecode, start, length),
        /^__\$[0-9a-f]{34}\$__$/,
      );
      assert.equal(`0x${bytes(deployed.pool, start, length)}`, deployed.math);
    }
  });

  it("recognises the deployed contracts in the contract index, the network's and one built from the artifacts", function () {
    provider.contracts.add(Object.values(built));
    const index = new ContractIndex(Object.values(built));
    for (const [code, name] of [
      [deployed.oracle, "MatchOracle"],
      [deployed.pool, "MatchPool"],
    ] as const) {
      assert.equal(provider.contracts.byRuntimeCode(code)?.artifact.contractName, name);
      assert.equal(index.byRuntimeCode(code)?.name, name);
      assert.equal(index.byRuntimeCode(code)?.fqn, `Match.sol:${name}`);
    }
    // One byte of code changed (not metadata, immutables or a library address).
    const unknown = `0x61${deployed.pool.slice(4)}` as Hex;
    assert.equal(deployed.pool.slice(0, 4), "0x60");
    assert.equal(provider.contracts.byRuntimeCode(unknown), undefined);
    assert.equal(index.byRuntimeCode(unknown), undefined);
  });
});
