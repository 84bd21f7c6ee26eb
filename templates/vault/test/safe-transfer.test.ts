/**
 * Unit tests of the library's `SafeTransfer` (through `LibrarySafeTransferHarness`) against the
 * tokens a vault or pool meets in the wild, each case asserting what the library must do:
 * - a standard ERC-20, a no-return-value (USDT-style) token and a WETH9-style token (payable
 *   fallback that accepts any selector): the transfer happens, exactly;
 * - a false-returning token, odd return data (`0`, `2`, fewer than 32 bytes), a reverting token
 *   with empty revert data, an address with no code (an EOA, the zero address) and a precompile:
 *   `SafeTransferFailed(token)`, nothing moves;
 * - a reverting token with revert data (custom error, `Error(string)`, unknown bytes): the data
 *   is bubbled unchanged;
 * - a fee-on-transfer token: the library succeeds and the recipient receives less (the library
 *   does not measure balances; a caller that needs the exact amount must check, as
 *   `ParallelVault.requestDeposit` does);
 * - an ERC-777-style hook token re-entering the caller: the library is stateless, so a caller's
 *   reentrancy guard decides; a guarded caller sees its own `ReentrantCall` bubbled;
 * - a contract with no `transfer` at all but a fallback that accepts anything ("phantom"
 *   function): indistinguishable from a no-return token, the library reports success although
 *   nothing moved — the known limit, documented in the README's Security section.
 */
import { expect } from "chai";
import {
  type Address,
  type Hex,
  encodeAbiParameters,
  encodeErrorResult,
  encodeFunctionData,
  getAddress,
  parseAbi,
  zeroAddress,
} from "viem";

import { ONE, connect } from "./helpers.ts";

const { viem } = await connect();
const [, alice, bob] = await viem.getWalletClients();
const A = alice.account.address;
const B = bob.account.address;

/** `LibraryScriptedToken.Mode`. */
const Mode = { Standard: 0, Revert: 1, ReturnRaw: 2 } as const;

const word = (value: bigint): Hex => encodeAbiParameters([{ type: "uint256" }], [value]);

/**
 * The raw revert data of a rejected call: the first `0x…` `data` string found along the error's
 * `cause` chain (viem puts it on the RPC error).
 */
async function revertData(call: Promise<unknown>): Promise<Hex> {
  try {
    await call;
  } catch (error) {
    let current: unknown = error;
    while (current !== undefined && current !== null) {
      const data = (current as { data?: unknown }).data;
      if (typeof data === "string" && data.startsWith("0x")) return data as Hex;
      if (
        typeof data === "object" &&
        data !== null &&
        typeof (data as { data?: unknown }).data === "string"
      ) {
        return (data as { data: Hex }).data;
      }
      current = (current as { cause?: unknown }).cause;
    }
    throw new Error(`no revert data in ${String(error)}`);
  }
  throw new Error("the call did not revert");
}

async function harness() {
  return viem.deployContract("LibrarySafeTransferHarness");
}

/** Deploys a token with `mint(address,uint256)`, funds alice and the harness, lets the harness pull from alice. */
async function funded<
  T extends { address: Address; write: { mint: (args: [Address, bigint]) => Promise<Hex> } },
>(token: T, h: Address, approve: (spender: Address) => Promise<Hex>) {
  await token.write.mint([A, 100n * ONE]);
  await token.write.mint([h, 100n * ONE]);
  await approve(h);
  return token;
}

describe("SafeTransfer (library) against hostile tokens", function () {
  describe("tokens that work", function () {
    it("standard ERC-20: pull and push move exactly the amount; a token revert is bubbled", async function () {
      const h = await harness();
      const token = await viem.deployContract("VaultStandardAsset");
      await funded(token, h.address, (s) =>
        token.write.approve([s, 30n * ONE], { account: alice.account }),
      );
      await h.write.pull([token.address, A, 30n * ONE]);
      await h.write.push([token.address, B, 7n * ONE]);
      expect(await token.read.balanceOf([A])).to.equal(70n * ONE);
      expect(await token.read.balanceOf([h.address])).to.equal(123n * ONE);
      expect(await token.read.balanceOf([B])).to.equal(7n * ONE);
      // The allowance is used up: the token's own error comes through unchanged.
      await viem.assertions.revertWithCustomErrorWithArgs(
        h.write.pull([token.address, A, 1n]),
        token,
        "ERC20InsufficientAllowance",
        [getAddress(h.address), 0n, 1n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        h.write.push([token.address, B, 124n * ONE]),
        token,
        "ERC20InsufficientBalance",
        [getAddress(h.address), 123n * ONE, 124n * ONE],
      );
    });

    it("no-return (USDT-style) token: empty return data from a contract is success; its revert string is bubbled", async function () {
      const h = await harness();
      const token = await viem.deployContract("VaultNoReturnToken");
      await funded(token, h.address, (s) =>
        token.write.approve([s, 30n * ONE], { account: alice.account }),
      );
      await h.write.pull([token.address, A, 30n * ONE]);
      await h.write.push([token.address, B, 5n * ONE]);
      expect(await token.read.balanceOf([A])).to.equal(70n * ONE);
      expect(await token.read.balanceOf([h.address])).to.equal(125n * ONE);
      expect(await token.read.balanceOf([B])).to.equal(5n * ONE);
      await viem.assertions.revertWith(
        h.write.pull([token.address, A, 1n]),
        "VaultNoReturnToken: allowance",
      );
      await viem.assertions.revertWith(
        h.write.push([token.address, B, 126n * ONE]),
        "VaultNoReturnToken: balance",
      );
    });

    it("WETH9-style token (payable fallback accepting any selector): its real transfer functions run, exactly", async function () {
      const h = await harness();
      const weth = await viem.deployContract("VaultWeth9");
      await weth.write.deposit({ account: alice.account, value: 10n * ONE });
      await weth.write.approve([h.address, 4n * ONE], { account: alice.account });
      await h.write.pull([weth.address, A, 4n * ONE]);
      await h.write.push([weth.address, B, 1n * ONE]);
      expect(await weth.read.balanceOf([A])).to.equal(6n * ONE);
      expect(await weth.read.balanceOf([h.address])).to.equal(3n * ONE);
      expect(await weth.read.balanceOf([B])).to.equal(1n * ONE);
      await viem.assertions.revertWith(
        h.write.pull([weth.address, A, 1n]),
        "VaultWeth9: allowance",
      );
      await viem.assertions.revertWith(
        h.write.push([weth.address, B, 3n * ONE + 1n]),
        "VaultWeth9: balance",
      );
    });

    it("return data longer than 32 bytes whose first word is 1 is success (ABI-compatible `true`)", async function () {
      const h = await harness();
      const token = await viem.deployContract("LibraryScriptedToken");
      await funded(token, h.address, (s) =>
        token.write.approve([s, 10n * ONE], { account: alice.account }),
      );
      await token.write.script([Mode.ReturnRaw, `${word(1n)}${word(99n).slice(2)}`]);
      await h.write.pull([token.address, A, 10n * ONE]);
      await h.write.push([token.address, B, 2n * ONE]);
      expect(await token.read.balanceOf([h.address])).to.equal(108n * ONE);
      expect(await token.read.balanceOf([B])).to.equal(2n * ONE);
    });
  });

  describe("failures the library must turn into SafeTransferFailed(token)", function () {
    it("false-returning token: SafeTransferFailed, nothing moves", async function () {
      const h = await harness();
      const token = await viem.deployContract("VaultFalseReturnToken");
      await funded(token, h.address, (s) =>
        token.write.approve([s, 10n * ONE], { account: alice.account }),
      );
      await token.write.setFailing([true]);
      const addr = getAddress(token.address);
      await viem.assertions.revertWithCustomErrorWithArgs(
        h.write.pull([token.address, A, 1n]),
        h,
        "SafeTransferFailed",
        [addr],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        h.write.push([token.address, B, 1n]),
        h,
        "SafeTransferFailed",
        [addr],
      );
      expect(await token.read.balanceOf([A])).to.equal(100n * ONE);
      expect(await token.read.balanceOf([B])).to.equal(0n);
    });

    for (const [label, data] of [
      ["an ABI-encoded 0 (false)", word(0n)],
      ["an ABI-encoded 2 (not a bool)", word(2n)],
      ["one byte 0x01", "0x01"],
      ["31 bytes", `0x${"00".repeat(30)}01`],
    ] as const) {
      it(`a token that moves the tokens but returns ${label}: SafeTransferFailed, and the move is undone`, async function () {
        const h = await harness();
        const token = await viem.deployContract("LibraryScriptedToken");
        await funded(token, h.address, (s) =>
          token.write.approve([s, 10n * ONE], { account: alice.account }),
        );
        await token.write.script([Mode.ReturnRaw, data as Hex]);
        const addr = getAddress(token.address);
        await viem.assertions.revertWithCustomErrorWithArgs(
          h.write.pull([token.address, A, 1n]),
          h,
          "SafeTransferFailed",
          [addr],
        );
        await viem.assertions.revertWithCustomErrorWithArgs(
          h.write.push([token.address, B, 1n]),
          h,
          "SafeTransferFailed",
          [addr],
        );
        expect(await token.read.balanceOf([A])).to.equal(100n * ONE);
        expect(await token.read.balanceOf([h.address])).to.equal(100n * ONE);
      });
    }

    it("a token that reverts with no data: SafeTransferFailed", async function () {
      const h = await harness();
      const token = await viem.deployContract("LibraryScriptedToken");
      await funded(token, h.address, (s) =>
        token.write.approve([s, 10n * ONE], { account: alice.account }),
      );
      await token.write.script([Mode.Revert, "0x"]);
      const addr = getAddress(token.address);
      await viem.assertions.revertWithCustomErrorWithArgs(
        h.write.pull([token.address, A, 1n]),
        h,
        "SafeTransferFailed",
        [addr],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        h.write.push([token.address, B, 1n]),
        h,
        "SafeTransferFailed",
        [addr],
      );
    });

    it("an address with no code (an EOA, the zero address): SafeTransferFailed, although the call itself succeeds", async function () {
      const h = await harness();
      for (const noCode of [
        B,
        zeroAddress,
        getAddress("0x000000000000000000000000000000000000dEaD"),
      ]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          h.write.push([noCode, A, 1n]),
          h,
          "SafeTransferFailed",
          [getAddress(noCode)],
        );
        await viem.assertions.revertWithCustomErrorWithArgs(
          h.write.pull([noCode, A, 1n]),
          h,
          "SafeTransferFailed",
          [getAddress(noCode)],
        );
      }
    });

    it("a precompile (identity, 0x04: echoes the calldata back): SafeTransferFailed", async function () {
      const h = await harness();
      const identity = getAddress("0x0000000000000000000000000000000000000004");
      await viem.assertions.revertWithCustomErrorWithArgs(
        h.write.push([identity, A, 1n]),
        h,
        "SafeTransferFailed",
        [identity],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        h.write.pull([identity, A, 1n]),
        h,
        "SafeTransferFailed",
        [identity],
      );
    });
  });

  describe("revert data of the token is bubbled unchanged", function () {
    it("a custom error, an Error(string) and unknown bytes come back byte for byte", async function () {
      const h = await harness();
      const token = await viem.deployContract("LibraryScriptedToken");
      await funded(token, h.address, (s) =>
        token.write.approve([s, 10n * ONE], { account: alice.account }),
      );
      const custom = encodeErrorResult({
        abi: token.abi,
        errorName: "ERC20InvalidReceiver",
        args: [getAddress(B)],
      });
      const reason = encodeErrorResult({
        abi: parseAbi(["error Error(string)"]),
        errorName: "Error",
        args: ["scripted: no"],
      });
      for (const data of [
        custom,
        reason,
        "0xdeadbeef" as Hex,
        `${word(7n)}${word(8n).slice(2)}` as Hex,
      ]) {
        await token.write.script([Mode.Revert, data]);
        expect(await revertData(h.write.pull([token.address, A, 1n]))).to.equal(data);
        expect(await revertData(h.write.push([token.address, B, 1n]))).to.equal(data);
      }
      await token.write.script([Mode.Revert, custom]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        h.write.pull([token.address, A, 1n]),
        token,
        "ERC20InvalidReceiver",
        [getAddress(B)],
      );
      await token.write.script([Mode.Revert, reason]);
      await viem.assertions.revertWith(h.write.push([token.address, B, 1n]), "scripted: no");
    });
  });

  describe("tokens the library cannot judge (the caller must)", function () {
    it("fee-on-transfer token: the library succeeds and the recipient receives less than named", async function () {
      const h = await harness();
      const token = await viem.deployContract("VaultFeeOnTransferToken");
      await funded(token, h.address, (s) =>
        token.write.approve([s, 10n * ONE], { account: alice.account }),
      );
      await token.write.setFee([100n]); // 1 %
      await h.write.pull([token.address, A, 10n * ONE]);
      await h.write.push([token.address, B, 10n * ONE]);
      expect(await token.read.balanceOf([A])).to.equal(90n * ONE);
      // +9.9 pulled in, −10 pushed out (of which 0.1 burnt): the library reports neither.
      expect(await token.read.balanceOf([h.address])).to.equal(
        100n * ONE + (99n * ONE) / 10n - 10n * ONE,
      );
      expect(await token.read.balanceOf([B])).to.equal((99n * ONE) / 10n);
    });

    it("a phantom token (no transfer function, fallback accepts anything): success is reported, nothing moves (known limit)", async function () {
      const h = await harness();
      const phantom = await viem.deployContract("LibraryPhantomToken");
      await h.write.pull([phantom.address, A, 10n * ONE]);
      await h.write.push([phantom.address, B, 10n * ONE]);
      // Both calls reached the fallback and "succeeded": a no-return token looks the same.
      expect(await phantom.read.calls()).to.equal(2n);
    });
  });

  describe("ERC-777-style hook token re-entering the caller", function () {
    async function hookSetup() {
      const h = await harness();
      const token = await viem.deployContract("VaultHookAsset");
      await funded(token, h.address, (s) =>
        token.write.approve([s, 50n * ONE], { account: alice.account }),
      );
      await h.write.registerHookOn([token.address]);
      return { h, token };
    }

    it("the hooks run (tokensReceived on a pull, tokensToSend on a push) and the transfers are exact", async function () {
      const { h, token } = await hookSetup();
      await h.write.pull([token.address, A, 5n * ONE]);
      expect(await h.read.hookRuns()).to.equal(1n);
      await h.write.push([token.address, B, 2n * ONE]);
      expect(await h.read.hookRuns()).to.equal(2n);
      expect(await token.read.balanceOf([h.address])).to.equal(103n * ONE);
      expect(await token.read.balanceOf([B])).to.equal(2n * ONE);
    });

    it("a guarded caller: the re-entry from the hook fails with the caller's ReentrantCall, bubbled through token and library", async function () {
      const { h, token } = await hookSetup();
      const reenter = encodeFunctionData({
        abi: h.abi,
        functionName: "guardedPush",
        args: [token.address, B, 1n],
      });
      await h.write.setHookCall([reenter]);
      await viem.assertions.revertWithCustomError(
        h.write.guardedPull([token.address, A, 5n * ONE]),
        h,
        "ReentrantCall",
      );
      await viem.assertions.revertWithCustomError(
        h.write.guardedPush([token.address, B, 5n * ONE]),
        h,
        "ReentrantCall",
      );
      expect(await token.read.balanceOf([A])).to.equal(100n * ONE);
      expect(await token.read.balanceOf([B])).to.equal(0n);
      // The same re-entering call outside a guarded call is fine: the guard, not the library, refuses.
      await h.write.pull([token.address, A, 5n * ONE]);
      expect(await token.read.balanceOf([B])).to.equal(1n);
    });

    it("an unguarded caller: the library keeps no state, so a nested transfer from the hook just happens", async function () {
      const { h, token } = await hookSetup();
      const nested = encodeFunctionData({
        abi: h.abi,
        functionName: "push",
        args: [token.address, B, 3n * ONE],
      });
      await h.write.setHookCall([nested]);
      // pull's tokensReceived pushes 3 to bob (whose tokensToSend on the harness finds the
      // one-shot hook call used up): both transfers are exact.
      await h.write.pull([token.address, A, 5n * ONE]);
      expect(await h.read.hookRuns()).to.equal(2n);
      expect(await token.read.balanceOf([A])).to.equal(95n * ONE);
      expect(await token.read.balanceOf([h.address])).to.equal(102n * ONE);
      expect(await token.read.balanceOf([B])).to.equal(3n * ONE);
    });
  });
});
