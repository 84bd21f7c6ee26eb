/**
 * Runs a forked chain's blocks with another executor, adding what forking needs around it:
 *
 * - before the block, the locations it is known to touch are loaded from the remote in one
 *   batch (senders, recipients and their code, EIP-2930 access lists, the coinbase), so lanes
 *   seldom miss one; a miss during execution is still loaded (the transaction state retries, a
 *   Block-STM coordinator re-dispatches);
 * - the block is atomic: if a remote read fails midway, every write of the block is undone and
 *   the error (naming the remote's masked URL) goes up; nothing local is lost.
 */
import type { Block } from "@ethereumjs/block";
import type { BlockExecution, BlockExecutor } from "../executor.ts";
import { balanceKey, codeKey, type LocationKey, nonceKey, storageKey } from "../location.ts";
import type { WorldState } from "../state/world-state.ts";
import type { EngineTransaction } from "../transactions.ts";
import type { ForkSource } from "./fork-source.ts";

/** The locations a block is known to touch before it runs (accounts as balance, nonce, code). */
export function knownLocations(block: Block, txs: EngineTransaction[]): Set<LocationKey> {
  const keys = new Set<LocationKey>();
  const account = (address: string): void => {
    keys.add(balanceKey(address));
    keys.add(nonceKey(address));
    keys.add(codeKey(address));
  };
  account(block.header.coinbase.toString());
  for (const { tx, from } of txs) {
    account(from);
    if (tx.to !== undefined) account(tx.to.toString());
    const list = (tx as { accessList?: unknown }).accessList;
    if (Array.isArray(list))
      for (const item of list as Array<[Uint8Array, Uint8Array[]]>) {
        if (!Array.isArray(item)) continue;
        const address = `0x${Buffer.from(item[0]).toString("hex")}`;
        account(address);
        for (const slot of item[1])
          keys.add(storageKey(address, `0x${Buffer.from(slot).toString("hex")}`));
      }
  }
  return keys;
}

export class ForkedExecutor implements BlockExecutor {
  readonly inner: BlockExecutor;
  readonly #fork: ForkSource;

  constructor(inner: BlockExecutor, fork: ForkSource) {
    this.inner = inner;
    this.#fork = fork;
  }

  get name(): BlockExecutor["name"] {
    return this.inner.name;
  }

  /**
   * @throws {ForkRemoteError} when the remote fails; the state is then as before the block.
   */
  async execute(
    block: Block,
    txs: EngineTransaction[],
    state: WorldState,
  ): Promise<BlockExecution> {
    await this.#fork.load(knownLocations(block, txs));
    const snapshot = state.snapshot();
    try {
      return await this.inner.execute(block, txs, state);
    } catch (error) {
      state.revertTo(snapshot);
      throw error;
    } finally {
      state.releaseSnapshot();
    }
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}
