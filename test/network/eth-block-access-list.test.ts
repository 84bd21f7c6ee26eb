/**
 * `eth_getBlockAccessList` as the execution APIs define it (ethereum/execution-apis
 * `src/eth/block.yaml`, `src/schemas/block-access-list.yaml`) and `blockAccessListHash` in
 * Amsterdam headers, on `createParallelProvider()`:
 *
 * - under the default hardfork (osaka) the method answers the spec's -32001 `Resource not
 *   found` for existing blocks, null for unknown ones, and headers carry no
 *   `blockAccessListHash`; `parallel_getBlockAccessList` still gives the list;
 * - under `amsterdam` a block of several transactions (a transfer, a deployment, two storage
 *   writes from two senders) has a header `blockAccessListHash` equal to
 *   `@ethereumjs/util`'s hash of the list the method returns, mapped back; the list has exactly
 *   the spec's fields and formats (checked on the spec's own example too), equals the alias's;
 *   and the sequential and Block-STM executors give the same header and block hash.
 *
 * No anvil in node_modules (`@foundry-rs/anvil` is not a dependency): anvil at
 * foundry-rs/foundry 2a5df2c answers null for local blocks and puts no hash in its headers, so
 * the spec's schema and example are the reference here.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { bytesToHex, createBlockLevelAccessListFromJSON } from "@ethereumjs/util";
import { after, describe, it } from "mocha";
import { encodeFunctionData, type Hex, parseAbi } from "viem";
import type { BlockAccessList } from "../../sdk/analysis/block-access-list.ts";
import type { RpcBlockAccessList } from "../../sdk/analysis/block-access-list-rpc.ts";
import type { ExecutorName, HardforkName } from "../../sdk/engine/options.ts";
import { createParallelProvider, type ParallelProvider } from "../../sdk/rpc/provider.ts";
import { REPO_ROOT } from "../exit/helpers.ts";

const abi = parseAbi(["function set(uint256 v)"]);

/** The execution-apis example result of `eth_getBlockAccessList` (src/eth/block.yaml). */
const SPEC_EXAMPLE: RpcBlockAccessList = [
  {
    address: "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b",
    storageChanges: [
      {
        key: "0x0000000000000000000000000000000000000000000000000000000000000000",
        changes: [
          {
            index: "0x0",
            value: "0x0000000000000000000000000000000000000000000000000000000000000000",
          },
          {
            index: "0x1",
            value: "0x0000000000000000000000000000000000000000000000000000000000000100",
          },
        ],
      },
    ],
    storageReads: [],
    balanceChanges: [
      { index: "0x0", value: "0x56bc75e2d63100000" },
      { index: "0x1", value: "0x56bc75e2d63000000" },
    ],
    nonceChanges: [
      { index: "0x0", value: "0x0" },
      { index: "0x1", value: "0x1" },
    ],
    codeChanges: [],
  },
];

const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/;
const HASH32 = /^0x[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;
const BYTES = /^0x([0-9a-f]{2})*$/;
const keysOf = (o: object) => Object.keys(o).sort();

/**
 * Checks a result against the schema `BlockAccessList` of execution-apis: no extra field
 * (`additionalProperties: false`), uint32 indices, hash32 keys and storage values, uint256
 * balances, uint64 nonces, bytes code; sorted accounts, slots and indices.
 */
function assertSpecShape(bal: unknown): asserts bal is RpcBlockAccessList {
  assert.ok(Array.isArray(bal));
  const index = (c: { index: string }) => {
    assert.match(c.index, QUANTITY);
    assert.ok(BigInt(c.index) < 2n ** 32n);
    return BigInt(c.index);
  };
  const ascending = (xs: bigint[]) => xs.every((x, i) => i === 0 || xs[i - 1] < x);
  for (const account of bal as RpcBlockAccessList) {
    assert.deepEqual(keysOf(account), [
      "address",
      "balanceChanges",
      "codeChanges",
      "nonceChanges",
      "storageChanges",
      "storageReads",
    ]);
    assert.match(account.address, ADDRESS);
    for (const slot of account.storageChanges) {
      assert.deepEqual(keysOf(slot), ["changes", "key"]);
      assert.match(slot.key, HASH32);
      for (const c of slot.changes) {
        assert.deepEqual(keysOf(c), ["index", "value"]);
        assert.match(c.value, HASH32);
      }
      assert.ok(ascending(slot.changes.map(index)));
    }
    assert.ok(ascending(account.storageChanges.map((s) => BigInt(s.key))));
    for (const key of account.storageReads) assert.match(key, HASH32);
    for (const [changes, max] of [
      [account.balanceChanges, 2n ** 256n],
      [account.nonceChanges, 2n ** 64n],
    ] as const) {
      for (const c of changes) {
        assert.deepEqual(keysOf(c), ["index", "value"]);
        assert.match(c.value, QUANTITY);
        assert.ok(BigInt(c.value) < max);
      }
      assert.ok(ascending(changes.map(index)));
    }
    for (const c of account.codeChanges) {
      assert.deepEqual(keysOf(c), ["code", "index"]);
      assert.match(c.code, BYTES);
      index(c);
    }
  }
  const addresses = (bal as RpcBlockAccessList).map((a) => BigInt(a.address));
  assert.ok(ascending(addresses), "accounts sorted by address, each once");
}

/** The RPC form mapped back to EIP-7928's field names (@ethereumjs/util's JSON form). */
const toEipForm = (bal: RpcBlockAccessList): BlockAccessList =>
  bal.map((a) => ({
    address: a.address,
    storageChanges: a.storageChanges.map((s) => ({
      slot: s.key,
      slotChanges: s.changes.map((c) => ({ blockAccessIndex: c.index, postValue: c.value })),
    })),
    storageReads: a.storageReads,
    balanceChanges: a.balanceChanges.map((c) => ({
      blockAccessIndex: c.index,
      postBalance: c.value,
    })),
    nonceChanges: a.nonceChanges.map((c) => ({ blockAccessIndex: c.index, postNonce: c.value })),
    codeChanges: a.codeChanges.map((c) => ({ blockAccessIndex: c.index, newCode: c.code })),
  }));

const providers: ParallelProvider[] = [];
async function provider(hardfork: HardforkName, executor: ExecutorName = "sequential") {
  const p = await createParallelProvider({ hardfork, executor, lanes: 2 });
  providers.push(p);
  return p;
}

/** One block of four transactions from three senders: a transfer, a deployment, two writes. */
async function mineMixedBlock(p: ParallelProvider): Promise<Record<string, unknown>> {
  const artifact = JSON.parse(
    await readFile(
      path.join(REPO_ROOT, "artifacts/test/fixtures/contracts/Probe.sol/Probe.json"),
      "utf8",
    ),
  ) as { bytecode: Hex };
  const [a, b, c] = (await p.request({ method: "eth_accounts" })) as Hex[];
  const deployed = await p.request({
    method: "eth_sendTransaction",
    params: [{ from: a, data: artifact.bytecode }],
  });
  const probe = (await p.request({ method: "eth_getTransactionReceipt", params: [deployed] }))
    .contractAddress as Hex;
  await p.request({ method: "evm_setAutomine", params: [false] });
  await p.request({ method: "eth_sendTransaction", params: [{ from: a, to: c, value: "0x1234" }] });
  for (const [from, v] of [
    [b, 5n],
    [c, 9n],
  ] as const)
    await p.request({
      method: "eth_sendTransaction",
      params: [
        {
          from,
          to: probe,
          gas: "0x30000",
          data: encodeFunctionData({ abi, functionName: "set", args: [v] }),
        },
      ],
    });
  await p.request({
    method: "eth_sendTransaction",
    params: [{ from: a, data: artifact.bytecode }],
  });
  await p.request({ method: "evm_mine" });
  const block = await p.request({ method: "eth_getBlockByNumber", params: ["latest", false] });
  for (const tx of block.transactions as Hex[]) {
    const receipt = await p.request({ method: "eth_getTransactionReceipt", params: [tx] });
    assert.equal(receipt.status, "0x1", `transaction ${tx} of the mixed block`);
  }
  return block;
}

describe("eth_getBlockAccessList and blockAccessListHash (EIP-7928, execution-apis)", function () {
  this.timeout(120_000);
  after(async () => Promise.all(providers.map((p) => p.dispose())));

  it("the spec's example passes the shape check (the check reads the spec right)", function () {
    assertSpecShape(SPEC_EXAMPLE);
    assert.throws(() => assertSpecShape([{ ...SPEC_EXAMPLE[0], extra: 1 }]));
    assert.throws(() =>
      assertSpecShape([{ ...SPEC_EXAMPLE[0], balanceChanges: [{ index: "0x01", value: "0x1" }] }]),
    );
  });

  describe("before Amsterdam (the default hardfork, osaka)", function () {
    it("answers -32001 Resource not found for an existing block, null for an unknown one", async function () {
      const p = await provider("osaka");
      await p.request({ method: "hardhat_mine", params: ["0x2"] });
      const latest = await p.request({ method: "eth_getBlockByNumber", params: ["latest", false] });
      for (const block of ["latest", "earliest", "0x1", latest.hash]) {
        const answer = await p.handle({
          jsonrpc: "2.0",
          id: 1,
          method: "eth_getBlockAccessList",
          params: [block],
        });
        assert.equal(answer.error?.code, -32001, `block ${block}`);
        assert.equal(answer.error?.message, "Resource not found");
        assert.match(
          String((answer.error?.data as { reason?: string } | undefined)?.reason),
          /predates Amsterdam: this network runs osaka/,
        );
      }
      for (const block of ["0x99", `0x${"ab".repeat(32)}`])
        assert.equal(await p.request({ method: "eth_getBlockAccessList", params: [block] }), null);
      assert.equal(
        latest.blockAccessListHash,
        undefined,
        "no blockAccessListHash before Amsterdam",
      );
      // The alias still gives the list under any hardfork.
      const alias = await p.request({ method: "parallel_getBlockAccessList", params: ["latest"] });
      assert.deepEqual(alias.blockAccessList, []);
    });

    it("rejects a missing or malformed block parameter with -32602", async function () {
      const p = await provider("osaka");
      for (const params of [[], ["0xzz"], [true], ["latest", "extra"]]) {
        const answer = await p.handle({
          jsonrpc: "2.0",
          id: 1,
          method: "eth_getBlockAccessList",
          params,
        });
        assert.equal(answer.error?.code, -32602, JSON.stringify(params));
      }
    });
  });

  describe("under amsterdam", function () {
    it("headers commit to the list eth_getBlockAccessList returns (hash by @ethereumjs/util)", async function () {
      const p = await provider("amsterdam");
      const genesis = await p.request({ method: "eth_getBlockByNumber", params: ["0x0", false] });
      assert.equal(
        genesis.blockAccessListHash,
        "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
      );
      const block = await mineMixedBlock(p);
      assert.equal((block.transactions as unknown[]).length, 4);
      const byNumber = await p.request({
        method: "eth_getBlockAccessList",
        params: [block.number],
      });
      const byHash = await p.request({ method: "eth_getBlockAccessList", params: [block.hash] });
      assertSpecShape(byNumber);
      assert.deepEqual(byHash, byNumber);
      const ejsHash = bytesToHex(createBlockLevelAccessListFromJSON(toEipForm(byNumber)).hash());
      assert.equal(block.blockAccessListHash, ejsHash);
      assert.match(String(block.blockAccessListHash), HASH32);
      const alias = await p.request({
        method: "parallel_getBlockAccessList",
        params: [block.number],
      });
      assert.equal(alias.hash, block.blockAccessListHash);
      assert.deepEqual(toEipForm(byNumber), alias.blockAccessList);
      // Every transaction index 1…4 appears (its sender's nonce), and the deployments' code.
      const indices = new Set(byNumber.flatMap((a) => a.nonceChanges.map((c) => c.index)));
      assert.deepEqual([...indices].sort(), ["0x1", "0x2", "0x3", "0x4"]);
      assert.equal(byNumber.flatMap((a) => a.codeChanges).length, 1);
      assert.ok(
        byNumber.some(
          (a) => a.storageChanges.length === 1 && a.storageChanges[0].changes.length === 2,
        ),
      );
      // Blocks without transactions commit to the empty list.
      await p.request({ method: "evm_mine" });
      const empty = await p.request({ method: "eth_getBlockByNumber", params: ["latest", false] });
      assert.deepEqual(
        await p.request({ method: "eth_getBlockAccessList", params: ["latest"] }),
        [],
      );
      assert.equal(empty.blockAccessListHash, genesis.blockAccessListHash);
    });

    it("gives the same header, hash and list on the sequential and Block-STM executors", async function () {
      const blocks = [];
      const lists = [];
      for (const executor of ["sequential", "block-stm"] as const) {
        const p = await provider("amsterdam", executor);
        blocks.push(await mineMixedBlock(p));
        lists.push(await p.request({ method: "eth_getBlockAccessList", params: ["latest"] }));
      }
      assert.equal(blocks[0].blockAccessListHash, blocks[1].blockAccessListHash);
      assert.equal(blocks[0].hash, blocks[1].hash);
      assert.deepEqual(lists[0], lists[1]);
    });
  });
});
