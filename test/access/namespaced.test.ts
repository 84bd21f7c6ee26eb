/**
 * EIP-7201 namespaced storage (`sdk/access/namespaced-layout.ts`):
 * - the namespace root against published constants and the formula computed on chain;
 * - the layout of namespaced structs against solc's own layout of the same structs used as state
 *   variables (random structs from fast-check, many per compilation);
 * - annotations naming struct members, on the `parallel` network: declared slots, strict-mode
 *   violations, the `declared` executor's schedule and the report's labels.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { network } from "hardhat";
import { type Address, concat, hexToBigInt, keccak256, pad, toHex } from "viem";
import type { StorageLayout } from "../../sdk/access/layout.ts";
import {
  erc7201Slot,
  findNamespacedStructs,
  type LayoutAstNode,
  withNamespacedStructs,
} from "../../sdk/access/namespaced-layout.ts";
import { buildAccessManifests } from "../../sdk/access/index.ts";
import { compile } from "./helpers.ts";

const word = (x: bigint) => pad(toHex(x), { size: 32 });
const mappingSlot = (key: Address, slot: bigint) =>
  hexToBigInt(
    keccak256(concat([pad(key.toLowerCase() as `0x${string}`, { size: 32 }), word(slot)])),
  );

describe("EIP-7201 namespaced storage", function () {
  describe("erc7201Slot", function () {
    it("gives the roots published by EIP-7201 and OpenZeppelin Contracts Upgradeable 5.x", function () {
      // EIP-7201's example, OpenZeppelin's ERC20StorageLocation and OwnableStorageLocation.
      assert.equal(
        erc7201Slot("example.main"),
        0x183a6125c38840424c4a85fa12bab2ab606c4b6d0e7cc73c0c06ba5300eab500n,
      );
      assert.equal(
        erc7201Slot("openzeppelin.storage.ERC20"),
        0x52c63247e1f47db19d5ce0460030c497f067ca4cebf71ba98eeadabe20bace00n,
      );
      assert.equal(
        erc7201Slot("openzeppelin.storage.Ownable"),
        0x9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c199300n,
      );
    });
  });

  describe("layout of namespaced structs", function () {
    this.timeout(300_000);

    /** A member type of a random struct, as Solidity source, built from a small grammar. */
    const valueType = fc.oneof(
      fc.constantFrom("uint256", "uint8", "uint16", "uint64", "uint128", "int24", "int256", "uint"),
      fc.constantFrom(
        "address",
        "address payable",
        "bool",
        "bytes1",
        "bytes4",
        "bytes20",
        "bytes32",
      ),
      fc.constantFrom("Mode", "Price", "IThing"),
    );
    const memberType: fc.Arbitrary<string> = fc.oneof(
      { weight: 6, arbitrary: valueType },
      { weight: 1, arbitrary: fc.constantFrom("string", "bytes", "Inner") },
      {
        weight: 1,
        arbitrary: fc
          .tuple(valueType, fc.integer({ min: 1, max: 40 }))
          .map(([t, n]) => `${t}[${n}]`),
      },
      { weight: 1, arbitrary: valueType.map((t) => `${t}[]`) },
      { weight: 1, arbitrary: fc.constantFrom("Inner[2]", "Inner[]", "uint8[3][2]") },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom("address", "uint256", "bytes32", "string", "bytes"),
            fc.oneof(valueType, fc.constantFrom("Inner", "uint256[]")),
          )
          .map(([k, v]) => `mapping(${k} => ${v})`),
      },
    );
    const struct = fc.array(memberType, { minLength: 1, maxLength: 12 });

    it("equals solc's layout of the same structs used as state variables (fast-check, 4 × 30 structs)", function () {
      fc.assert(
        fc.property(fc.array(struct, { minLength: 30, maxLength: 30 }), (structs) => {
          const definitions = structs.map(
            (members, i) =>
              `  /// @custom:storage-location erc7201:test.random.${i}\n  struct S${i} { ${members
                .map((t, j) => `${t} m${j};`)
                .join(" ")} }`,
          );
          const twins = structs.map((_, i) => `  S${i} twin${i};`);
          const source = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;
interface IThing {}
contract Lib {
  enum Mode { A, B, C }
  type Price is uint96;
  struct Inner { uint8 a; address b; uint256 c; }
}
contract Namespaced {
  enum Mode { A, B, C }
  type Price is uint96;
  struct Inner { uint8 a; address b; uint256 c; }
${definitions.join("\n")}
}
contract Twin is Namespaced {
${twins.join("\n")}
}`;
          const { output } = compile({ "random.sol": source });
          const ast = output.sources!["random.sol"]!.ast as { nodes: LayoutAstNode[] };
          const declarations = new Map<number, LayoutAstNode>();
          for (const node of ast.nodes) {
            declarations.set(node.id, node);
            for (const child of (node.nodes as LayoutAstNode[] | undefined) ?? [])
              declarations.set(child.id, child);
          }
          const namespaced = ast.nodes.find((n) => n.name === "Namespaced") as unknown as {
            nodes: LayoutAstNode[];
          };
          const found = findNamespacedStructs([{ node: namespaced, fqn: "random.sol:Namespaced" }]);
          assert.equal(found.length, structs.length);
          const ours = withNamespacedStructs(
            { storage: [], types: null },
            found,
            "random.sol:Twin",
            declarations,
          );
          const solcs = output.contracts!["random.sol"]!.Twin!.storageLayout as StorageLayout;
          for (const [i, entry] of ours.storage.entries()) {
            assert.equal(entry.label, `S${i}`);
            assert.equal(BigInt(entry.slot), erc7201Slot(`test.random.${i}`));
            const twin = solcs.storage.find((e) => e.label === `twin${i}`)!;
            assert.equal(entry.type, twin.type, `struct S${i}: ${structs[i]!.join(", ")}`);
          }
          // Every type we laid out is in solc's table, identical (members, offsets, sizes, labels).
          for (const [id, type] of Object.entries(ours.types!))
            assert.deepEqual(type, solcs.types![id], `type ${id}`);
        }),
        { numRuns: 4 },
      );
    });
  });

  describe("bad annotations of namespaced members", function () {
    it("name the file, the line, the text and a hint, as for state variables", function () {
      const source = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;
contract BadNamespaced {
  /// @custom:storage-location erc7201:test.bad
  struct BadStorage { uint256 total; mapping(address => uint256) balances; }
  /// @custom:writes BadStorage.totl
  function a() external {}
  /// @custom:writes BadStorage.balances[msg.sender].x
  function b() external {}
}`;
      const { input, output } = compile({ "bad.sol": source });
      const { errors, manifests } = buildAccessManifests(input, output);
      assert.deepEqual(manifests, []);
      assert.deepEqual(
        errors.map((e) => [e.function, e.line, e.annotation]),
        [
          ["a()", 6, "BadStorage.totl"],
          ["b()", 8, "BadStorage.balances[msg.sender].x"],
        ],
      );
      assert.match(errors[0]!.detail, /totl/);
      assert.match(errors[0]!.hint ?? "", /total/);
      assert.match(errors[1]!.detail, /uint256/);
    });
  });

  describe("annotations naming namespaced members, on the parallel network", function () {
    this.timeout(120_000);
    const ROOT = erc7201Slot("hardhat-parallel.fixture.vault");

    it("resolves the namespace root as the contract computes it, and writes where it declares", async function () {
      const { viem, parallel, provider } = await network.create("parallelStrict");
      const vault = await viem.deployContract("NamespacedVault");
      assert.equal(hexToBigInt(await vault.read.namespaceRoot()), ROOT);
      const [alice] = await viem.getWalletClients();
      await vault.write.deposit([5n]);
      await vault.write.touch();
      const at = async (slot: bigint) =>
        hexToBigInt(
          (await provider.request({
            method: "eth_getStorageAt",
            params: [vault.address, word(slot), "latest"],
          })) as `0x${string}`,
        );
      assert.equal(await at(ROOT), 5n, "total at root + 0");
      assert.equal(await at(mappingSlot(alice.account.address, ROOT + 1n)), 5n, "balances[alice]");
      // last (20 bytes) and deposits (8 bytes) packed at root + 2.
      assert.equal(
        await at(ROOT + 2n),
        (1n << 160n) | hexToBigInt(alice.account.address),
        "last and deposits packed",
      );
      // Every frame conformed to the declarations (write set ⊆ declared), decoded by name.
      for (const hash of [await vault.write.credit([1n]), await vault.write.deposit([2n])]) {
        const access = (await provider.request({
          method: "parallel_getTransactionAccess",
          params: [hash],
        })) as { conformance?: { checkedFrames: number; violations: unknown[] } };
        assert.equal(access.conformance?.checkedFrames, 1);
        assert.deepEqual(access.conformance?.violations, []);
      }
      void parallel;
    });

    it("strict mode fails a write outside the declared namespaced members, naming it", async function () {
      const { viem } = await network.create("parallelStrict");
      const vault = await viem.deployContract("NamespacedVault");
      await assert.rejects(vault.write.undeclaredTotal([1n]), (error: Error) => {
        assert.match(
          error.message,
          /NamespacedVault\.undeclaredTotal\(uint256\) wrote NamespacedVault\.VaultStorage\.total, which its @custom:writes does not declare/,
        );
        return true;
      });
    });

    it("the declared executor schedules disjoint namespaced writes from their declarations", async function () {
      const override = { parallel: { executor: "declared" as const, fallback: { minGas: 0n } } };
      const { viem, parallel } = await network.create({ network: "parallel", override });
      const vault = await viem.deployContract("NamespacedVault");
      const wallets = (await viem.getWalletClients()).slice(0, 6);
      const { record } = await parallel.batch(() =>
        Promise.all(wallets.map((w) => vault.write.credit([1n], { account: w.account }))),
      );
      assert.equal(record.executedBy, "declared", `fallback: ${record.fallbackReason}`);
      assert.deepEqual(record.schedule, { declared: 6, undeclared: 0, longestChain: 1 });
    });

    it("the report names the hot namespaced member", async function () {
      const { viem, parallel } = await network.create("parallel");
      const vault = await viem.deployContract("NamespacedVault");
      const wallets = (await viem.getWalletClients()).slice(0, 8);
      const { analysis } = await parallel.batch(() =>
        Promise.all(wallets.map((w) => vault.write.deposit([1n], { account: w.account }))),
      );
      assert.equal(analysis.hotLocations[0]?.label, "NamespacedVault.VaultStorage.total");
      assert.equal(analysis.dependentTransactions, 7);
    });
  });
});
