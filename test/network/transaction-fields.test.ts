/**
 * Transaction request fields end to end (issue 13 items 1b and 5), on every network of
 * `NETWORKS`:
 *
 * - hardhat-viem's wallet client sends an EIP-7702 transaction of a dev account
 *   (`authorizationList` as viem formats it) and a plain transfer; hashes, signatures and the
 *   delegated code must equal EDR's;
 * - before Prague, an `authorizationList` gets EDR's -32602 (same message);
 * - on the networks under test, request fields that no engine supports (blob fields EDR drops
 *   silently) are refused with -32602 naming the field, never dropped. This is a documented
 *   difference from EDR, which ignores them (README, "Differences from EDR").
 */
import type { NetworkConnection } from "hardhat/types/network";

import assert from "node:assert/strict";

import { network } from "hardhat";
import { describe, it } from "mocha";
import { getAddress, numberToHex } from "viem";

import { DEV_CHAIN_ID, devAccount } from "./helpers/accounts.ts";
import { readArtifact } from "./helpers/harness.ts";
import {
  DEFAULT_NETWORK,
  NETWORKS,
  NON_DEFAULT_NETWORKS,
  connect,
  networkLabel,
} from "./helpers/networks.ts";

/** What a wallet client's EIP-7702 transaction produced on one network. */
interface Seen {
  hashes: string[];
  transactions: unknown[];
  code: unknown;
  count: unknown;
}

/** Sends a transfer and an EIP-7702 delegation of dev 9 to a NetCounter with hardhat-viem. */
async function sendWithViem(connection: NetworkConnection): Promise<Seen> {
  const { viem, provider } = connection;
  const wallet = await viem.getWalletClient(devAccount(0).address);
  const { abi, bytecode } = await readArtifact("NetCounter");
  const deploy = await wallet.deployContract({ abi, bytecode, args: [] });
  const receipt = (await provider.request({
    method: "eth_getTransactionReceipt",
    params: [deploy],
  })) as { contractAddress: `0x${string}` };
  const counter = getAddress(receipt.contractAddress);
  const delegate = devAccount(9);
  assert.ok(delegate.signAuthorization);
  const authorization = await delegate.signAuthorization({
    address: counter,
    chainId: DEV_CHAIN_ID,
    nonce: 0,
  });
  const transfer = await wallet.sendTransaction({ to: devAccount(1).address, value: 5n });
  const setCode = await wallet.writeContract({
    address: delegate.address,
    abi,
    functionName: "increment",
    authorizationList: [authorization],
  });
  const hashes = [deploy, transfer, setCode];
  const transactions = [];
  for (const hash of hashes) {
    const tx = (await provider.request({
      method: "eth_getTransactionByHash",
      params: [hash],
    })) as Record<string, unknown>;
    // Block hashes differ between chains (the genesis timestamp is the wall clock); EDR leaves
    // yParity out (a listed difference).
    const { blockHash: _b, yParity: _y, ...rest } = tx;
    transactions.push(rest);
  }
  return {
    hashes,
    transactions,
    code: await provider.request({ method: "eth_getCode", params: [delegate.address, "latest"] }),
    count: await provider.request({
      method: "eth_getStorageAt",
      params: [delegate.address, "0x0", "latest"],
    }),
  };
}

describe("transaction fields: hardhat-viem's EIP-7702 transactions", function () {
  this.timeout(60_000);

  for (const name of NON_DEFAULT_NETWORKS) {
    it(`${networkLabel(name)} gives EDR's hashes, signatures and delegated code`, async function () {
      const seen: Seen[] = [];
      for (const network of [DEFAULT_NETWORK, name]) {
        const connection = await connect(network);
        try {
          seen.push(await sendWithViem(connection));
        } finally {
          await connection.close();
        }
      }
      const [edr, subject] = seen;
      assert.match(String(edr.code), /^0xef0100/);
      assert.equal(edr.count, numberToHex(1, { size: 32 }));
      assert.deepEqual(subject, edr);
    });
  }
});

/** The errors of EIP-7702 requests on a Cancun chain of `name`. */
async function cancunErrors(name: string): Promise<unknown[]> {
  const connection =
    name === DEFAULT_NETWORK
      ? await network.create({ override: { hardfork: "cancun" } })
      : await network.create({ network: name, override: { parallel: { hardfork: "cancun" } } });
  try {
    const from = devAccount(0).address;
    const authorizationList = [
      { address: from, chainId: "0x7a69", nonce: "0x0", r: "0x1", s: "0x1", yParity: "0x0" },
    ];
    const errors: unknown[] = [];
    for (const [method, params] of [
      ["eth_sendTransaction", [{ from, to: from, authorizationList }]],
      ["eth_call", [{ from, to: from, authorizationList }, "latest"]],
      ["eth_estimateGas", [{ from, to: from, gasPrice: "0x1", authorizationList }]],
    ] as const) {
      try {
        await connection.provider.request({ method, params: [...params] });
        errors.push("(accepted)");
      } catch (error) {
        const e = error as { code?: number; message?: string };
        errors.push({ code: e.code, message: e.message });
      }
    }
    return errors;
  } finally {
    await connection.close();
  }
}

describe("transaction fields: EIP-7702 before Prague", function () {
  this.timeout(60_000);

  for (const name of NON_DEFAULT_NETWORKS) {
    it(`${networkLabel(name)} refuses authorization lists under Cancun as EDR does`, async function () {
      const expected = await cancunErrors(DEFAULT_NETWORK);
      assert.equal((expected[0] as { code: number }).code, -32602);
      assert.deepEqual(await cancunErrors(name), expected);
    });
  }
});

describe("transaction fields: unsupported fields are refused, naming them", function () {
  this.timeout(60_000);

  for (const name of NETWORKS.filter((n) => n !== DEFAULT_NETWORK)) {
    for (const [field, value] of [
      ["blobVersionedHashes", [numberToHex(1, { size: 32 })]],
      ["maxFeePerBlobGas", "0x1"],
      ["sidecars", []],
    ] as const) {
      it(`${networkLabel(name)}: ${field} in eth_sendTransaction and eth_call → -32602`, async function () {
        const connection = await connect(name);
        try {
          const request = {
            from: devAccount(0).address,
            to: devAccount(1).address,
            [field]: value,
          };
          for (const [method, params] of [
            ["eth_sendTransaction", [request]],
            ["eth_call", [request, "latest"]],
          ] as const) {
            await assert.rejects(
              connection.provider.request({ method, params: [...params] }),
              (error: { code?: number; message?: string }) => {
                assert.equal(error.code, -32602, `${method}: ${error.message}`);
                assert.match(String(error.message), new RegExp(`transaction\\.${field}`));
                return true;
              },
            );
          }
          const count = await connection.provider.request({
            method: "eth_getTransactionCount",
            params: [devAccount(0).address, "latest"],
          });
          assert.equal(count, "0x0", "nothing was sent");
        } finally {
          await connection.close();
        }
      });
    }
  }
});
