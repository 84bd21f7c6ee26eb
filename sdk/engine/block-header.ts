/**
 * Block headers: the environment a block executes in, and the sealed header once its
 * transactions are known (roots, bloom, gas used, hash) — built with `@ethereumjs/block` so
 * the hash is the real keccak-256 of the RLP header.
 *
 * `transactionsRoot` and `receiptsRoot` are true Merkle-Patricia roots. `stateRoot` is NOT the
 * Merkle-Patricia root of the state (computing it per block would cost as much as executing
 * the block): it is keccak-256 of the parent's stateRoot and the block's sorted state diff, so
 * it changes exactly when state changes and is stable across executors. Documented in README.
 */
import { createBlock, createBlockHeader, type Block, type BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import { bigIntToUnpaddedBytes, createAddressFromString } from "@ethereumjs/util";
import { encodeReceipt } from "@ethereumjs/vm";
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { Hex } from "viem";
import type { TransactionOutcome } from "./execute-transaction.ts";
import type { LocationKey } from "./location.ts";
import { orderedTrieRoot } from "./ordered-trie.ts";
import type { EngineTransaction } from "./transactions.ts";

export interface BlockEnvironment {
  parentHash: Uint8Array;
  number: bigint;
  timestamp: bigint;
  coinbase: Hex;
  gasLimit: bigint;
  baseFeePerGas: bigint;
  prevRandao: Uint8Array;
}

/** A header-only block that transactions execute in (roots not yet known). */
export function createEnvironmentBlock(env: BlockEnvironment, common: Common): Block {
  return createBlock(
    {
      header: {
        parentHash: env.parentHash,
        number: env.number,
        timestamp: env.timestamp,
        coinbase: createAddressFromString(env.coinbase),
        gasLimit: env.gasLimit,
        baseFeePerGas: env.baseFeePerGas,
        mixHash: env.prevRandao,
        difficulty: 0n,
      },
    },
    { common, skipConsensusFormatValidation: true, setHardfork: false },
  );
}

/** The receipt-trie root of a block (EIP-2718 typed receipts, keys RLP(index)). */
function receiptsRoot(txs: EngineTransaction[], outcomes: TransactionOutcome[]): Uint8Array {
  const encoded: Uint8Array[] = [];
  let cumulative = 0n;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i];
    cumulative += o.blockGasUsed;
    encoded.push(
      encodeReceipt(
        {
          status: o.status,
          cumulativeBlockGasUsed: cumulative,
          bitvector: o.logsBloom,
          logs: o.logs.map((l) => [hexBytes(l.address), l.topics.map(hexBytes), hexBytes(l.data)]),
        },
        txs[i].tx.type,
      ),
    );
  }
  return orderedTrieRoot(encoded);
}

/** The bytes of a `0x`-prefixed, even-length hex string that is known to be well formed (engine logs). */
const hexBytes = (hex: Hex): Uint8Array => Buffer.from(hex.slice(2), "hex");

const utf8 = new TextEncoder();

/** keccak-256(parent stateRoot ‖ RLP(sorted [location, value] pairs of the block's writes)). */
export function nextStateRoot(
  parent: Uint8Array,
  changed: Map<LocationKey, bigint>,
  read: (k: LocationKey) => bigint,
): Uint8Array {
  const keys = [...changed.keys()].sort();
  const encoded = RLP.encode(keys.map((k) => [utf8.encode(k), bigIntToUnpaddedBytes(read(k))]));
  const joined = new Uint8Array(32 + encoded.length);
  joined.set(parent, 0);
  joined.set(encoded, 32);
  return keccak_256(joined);
}

/**
 * Seals a block: computes roots, bloom and gas used, returns the final header.
 * @param blockAccessListHash EIP-7928 `keccak256(rlp(bal))`, required when the hardfork
 *   activates EIP-7928 (amsterdam) and ignored otherwise; without it @ethereumjs/block would
 *   put a zero hash in the header.
 * @throws {Error} when EIP-7928 is active and no `blockAccessListHash` is given.
 */
export async function sealHeader(
  env: BlockEnvironment,
  common: Common,
  txs: EngineTransaction[],
  outcomes: TransactionOutcome[],
  stateRoot: Uint8Array,
  blockAccessListHash?: Uint8Array,
): Promise<BlockHeader> {
  const withBal = common.isActivatedEIP(7928);
  if (withBal && blockAccessListHash === undefined)
    throw new Error("an EIP-7928 (amsterdam) header needs its blockAccessListHash");
  const bloom = new Uint8Array(256);
  let gasUsed = 0n;
  for (const o of outcomes) {
    gasUsed += o.blockGasUsed;
    for (let i = 0; i < 256; i++) bloom[i] |= o.logsBloom[i];
  }
  return createBlockHeader(
    {
      parentHash: env.parentHash,
      number: env.number,
      timestamp: env.timestamp,
      coinbase: createAddressFromString(env.coinbase),
      gasLimit: env.gasLimit,
      gasUsed,
      baseFeePerGas: env.baseFeePerGas,
      mixHash: env.prevRandao,
      difficulty: 0n,
      stateRoot,
      transactionsTrie: orderedTrieRoot(txs.map((t) => t.tx.serialize())),
      receiptTrie: receiptsRoot(txs, outcomes),
      logsBloom: bloom,
      ...(withBal ? { blockAccessListHash } : {}),
    },
    { common, skipConsensusFormatValidation: true, setHardfork: false },
  );
}
