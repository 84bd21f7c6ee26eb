/**
 * Root of an index-keyed Merkle-Patricia trie (keys RLP(i), as the transactions and receipts
 * tries of a block; Ethereum yellow paper, appendix D), built in one pass over the sorted keys.
 *
 * `@ethereumjs/mpt` gives the same root (the tests check it) but builds a database of nodes
 * through an async API: for a 1,000-transaction block it cost more than executing the block.
 * Here nothing is stored: each node is encoded once, bottom-up.
 */
import { RLP } from "@ethereumjs/rlp";
import { keccak_256 } from "@noble/hashes/sha3.js";

/** A key as a string of hex digits, one per nibble (so string order is nibble order). */
type NibbleKey = string;
type Node = Uint8Array | NodeList;
interface NodeList extends Array<Node> {}

/** Hex-prefix encoding of the nibbles `key[from, to)` (yellow paper, appendix C). */
function hexPrefix(key: NibbleKey, from: number, to: number, leaf: boolean): Uint8Array {
  const length = to - from;
  const odd = length % 2 === 1;
  const out = new Uint8Array((length >> 1) + 1);
  const flag = (leaf ? 2 : 0) + (odd ? 1 : 0);
  let i = from;
  if (odd) {
    out[0] = (flag << 4) | parseInt(key[i++], 16);
  } else {
    out[0] = flag << 4;
  }
  for (let j = 1; j < out.length; j++, i += 2)
    out[j] = (parseInt(key[i], 16) << 4) | parseInt(key[i + 1], 16);
  return out;
}

/** A child reference: the node itself when its encoding is shorter than 32 bytes, else its hash. */
function reference(node: NodeList): Node {
  const encoded = RLP.encode(node as never);
  return encoded.length < 32 ? node : keccak_256(encoded);
}

/** The node for the sorted items `[lo, hi)` (at least one), whose keys agree on their first `depth` nibbles. */
function build(
  keys: NibbleKey[],
  values: Uint8Array[],
  lo: number,
  hi: number,
  depth: number,
): NodeList {
  const first = keys[lo];
  if (hi - lo === 1) return [hexPrefix(first, depth, first.length, true), values[lo]];
  // Longest common prefix beyond `depth` → an extension node. The keys are sorted, so the
  // prefix shared by all of them is the one the first and the last share.
  const last = keys[hi - 1];
  let prefix = 0;
  while (depth + prefix < first.length && first[depth + prefix] === last[depth + prefix]) prefix++;
  if (prefix > 0) {
    return [
      hexPrefix(first, depth, depth + prefix, false),
      reference(build(keys, values, lo, hi, depth + prefix)),
    ];
  }
  const branch: NodeList = Array.from({ length: 17 }, () => new Uint8Array());
  let start = lo;
  if (first.length === depth) {
    branch[16] = values[lo];
    start = lo + 1;
  }
  for (let i = start; i < hi; ) {
    const nibble = keys[i][depth];
    let j = i;
    while (j < hi && keys[j][depth] === nibble) j++;
    branch[parseInt(nibble, 16)] = reference(build(keys, values, i, j, depth + 1));
    i = j;
  }
  return branch;
}

/** keccak-256 root of the trie mapping RLP(i) → values[i]; the empty trie's root for no values. */
export function orderedTrieRoot(values: Uint8Array[]): Uint8Array {
  if (values.length === 0) return keccak_256(RLP.encode(new Uint8Array()));
  const order = values.map((_, i) => ({ key: Buffer.from(RLP.encode(i)).toString("hex"), i }));
  order.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const keys = order.map((o) => o.key);
  const sorted = order.map((o) => values[o.i]);
  return keccak_256(RLP.encode(build(keys, sorted, 0, keys.length, 0) as never));
}
