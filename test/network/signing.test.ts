/**
 * Signing through hardhat-viem on every network of `NETWORKS`: a permit signed with
 * `walletClient.signTypedData` is accepted by an EIP-2612 token, `walletClient.signMessage`
 * verifies with viem's `verifyMessage`, and malformed typed data gets EDR's error codes.
 * (Signatures and errors equal to EDR's are checked by the differential suite.)
 */
import type { NetworkConnection } from "hardhat/types/network";

import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import { parseEther, verifyMessage } from "viem";

import { NETWORKS, connect, networkLabel } from "./helpers/networks.ts";

for (const name of NETWORKS) {
  describe(`network ${networkLabel(name)}: signing`, function () {
    this.timeout(120_000);
    let connection: NetworkConnection;

    before(async function () {
      connection = await connect(name);
    });
    after(async function () {
      await connection.close();
    });

    it("a permit signed with walletClient.signTypedData is accepted by the token", async function () {
      const { viem } = connection;
      const token = await viem.deployContract("NetPermitToken");
      const [owner, spender] = await viem.getWalletClients();
      const publicClient = await viem.getPublicClient();
      const value = parseEther("5");
      await token.write.mint([owner.account.address, value]);
      const deadline = 2n ** 40n;
      const signature = await owner.signTypedData({
        domain: {
          name: "Net Permit Token",
          version: "1",
          chainId: await publicClient.getChainId(),
          verifyingContract: token.address,
        },
        types: {
          Permit: [
            { name: "owner", type: "address" },
            { name: "spender", type: "address" },
            { name: "value", type: "uint256" },
            { name: "nonce", type: "uint256" },
            { name: "deadline", type: "uint256" },
          ],
        },
        primaryType: "Permit",
        message: {
          owner: owner.account.address,
          spender: spender.account.address,
          value,
          nonce: 0n,
          deadline,
        },
      });
      const r = `0x${signature.slice(2, 66)}` as const;
      const s = `0x${signature.slice(66, 130)}` as const;
      const v = Number.parseInt(signature.slice(130, 132), 16);
      await token.write.permit(
        [owner.account.address, spender.account.address, value, deadline, v, r, s],
        { account: spender.account },
      );
      assert.equal(
        await token.read.allowance([owner.account.address, spender.account.address]),
        value,
      );
      assert.equal(await token.read.nonces([owner.account.address]), 1n);
    });

    it("walletClient.signMessage verifies with viem's verifyMessage", async function () {
      const [wallet] = await connection.viem.getWalletClients();
      for (const message of ["hello", { raw: "0x00ff10" as const }]) {
        const signature = await wallet.signMessage({ message });
        assert.ok(
          await verifyMessage({ address: wallet.account.address, message, signature }),
          `signature of ${JSON.stringify(message)} should verify`,
        );
      }
    });

    it("malformed typed data and messages get -32602", async function () {
      const [wallet] = await connection.viem.getWalletClients();
      const from = wallet.account.address;
      for (const [method, params] of [
        ["eth_signTypedData_v4", [from, "{not json"]],
        ["eth_signTypedData_v4", [from, 5]],
        ["eth_signTypedData_v4", [from, JSON.stringify({ types: {} })]],
        ["eth_sign", [from, "hello"]],
        ["personal_sign", [from, "0x00"]],
      ] as const) {
        await assert.rejects(
          connection.provider.request({ method, params: [...params] }),
          (e: { code?: number }) => e.code === -32602,
          `${method} ${JSON.stringify(params)}`,
        );
      }
    });
  });
}
