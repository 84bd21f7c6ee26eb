/**
 * Unit tests of the library's `TransientReentrancyGuard` (through `TransientGuardHarness`, which
 * has no storage variables): re-entry is refused, sequential guarded calls in one transaction
 * work, the lock is visible only inside a guarded call, and the guard never touches persistent
 * storage — checked on the opcode trace (no SLOAD/SSTORE, only TLOAD/TSTORE) on Hardhat's default
 * network, or on the recorded read/write sets on hardhat-parallel's `parallel` network.
 */
import { expect } from "chai";
import { type Address, type Hex, decodeFunctionResult, encodeFunctionData } from "viem";

import { connect } from "./helpers.ts";

const connection = await connect();
const { viem } = connection;
const publicClient = await viem.getPublicClient();

/** Opcodes executed by a mined transaction, from `debug_traceTransaction` (struct logs). */
async function opcodesOf(hash: Hex): Promise<string[]> {
  const trace = (await connection.provider.request({
    method: "debug_traceTransaction",
    params: [hash, { disableStorage: true, disableMemory: true, disableStack: true }],
  })) as { structLogs: Array<{ op: string }> };
  return trace.structLogs.map((log) => log.op);
}

/**
 * The evidence a network offers about a mined transaction's storage accesses: the read and
 * write sets recorded by hardhat-parallel's `parallel` network (`parallel_getTransactionAccess`),
 * or else the opcode trace (`debug_traceTransaction`, Hardhat's default network).
 */
async function storageEvidence(
  hash: Hex,
  contract: Address,
): Promise<
  { source: "access-sets"; storageLocations: string[] } | { source: "trace"; ops: string[] }
> {
  try {
    const access = (await connection.provider.request({
      method: "parallel_getTransactionAccess",
      params: [hash],
    })) as {
      reads: Array<{ location: string }>;
      writes: Array<{ location: string }>;
    };
    const prefix = `s:${contract.toLowerCase()}:`;
    const storageLocations = [...access.reads, ...access.writes]
      .map((e) => e.location)
      .filter((l) => l.startsWith(prefix));
    return { source: "access-sets", storageLocations };
  } catch {
    return { source: "trace", ops: await opcodesOf(hash) };
  }
}

describe("TransientReentrancyGuard (library)", function () {
  it("lets a guarded function run, twice in one transaction too", async function () {
    const guard = await viem.deployContract("TransientGuardHarness");
    const one = await guard.write.guardedNoop();
    expect((await publicClient.getTransactionReceipt({ hash: one })).status).to.equal("success");
    const two = await guard.write.twoGuardedCalls();
    expect((await publicClient.getTransactionReceipt({ hash: two })).status).to.equal("success");
  });

  it("refuses re-entry into a guarded function", async function () {
    const guard = await viem.deployContract("TransientGuardHarness");
    const reenter = encodeFunctionData({ abi: guard.abi, functionName: "guardedNoop" });
    await viem.assertions.revertWithCustomError(
      guard.write.guardedCall([guard.address, reenter]),
      guard,
      "ReentrantCall",
    );
  });

  it("shows the lock only inside a guarded call, and guards views with nonReentrantView", async function () {
    const guard = await viem.deployContract("TransientGuardHarness");
    expect(await guard.read.entered()).to.equal(false);
    expect(await guard.read.protectedView()).to.equal(42n);
    const inner = encodeFunctionData({ abi: guard.abi, functionName: "entered" });
    const { result } = await guard.simulate.guardedCall([guard.address, inner]);
    expect(
      decodeFunctionResult({ abi: guard.abi, functionName: "entered", data: result }),
    ).to.equal(true);
    const view = encodeFunctionData({ abi: guard.abi, functionName: "protectedView" });
    await viem.assertions.revertWithCustomError(
      guard.write.guardedCall([guard.address, view]),
      guard,
      "ReentrantCall",
    );
  });

  it("never touches persistent storage: no SLOAD/SSTORE (or no recorded storage access), only TLOAD/TSTORE", async function () {
    const guard = await viem.deployContract("TransientGuardHarness");
    for (const hash of [await guard.write.guardedNoop(), await guard.write.twoGuardedCalls()]) {
      const evidence = await storageEvidence(hash, guard.address);
      if (evidence.source === "access-sets") {
        // The harness has no storage variables: any storage location of it would be the guard's.
        expect(evidence.storageLocations, "storage locations of the guard contract").to.deep.equal(
          [],
        );
      } else {
        expect(evidence.ops, "opcodes").to.include("TSTORE");
        expect(evidence.ops, "opcodes").to.include("TLOAD");
        expect(evidence.ops, "opcodes").to.not.include("SSTORE");
        expect(evidence.ops, "opcodes").to.not.include("SLOAD");
      }
    }
  });
});
