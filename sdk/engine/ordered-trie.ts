/**
 * Root of an index-keyed Merkle-Patricia trie (keys RLP(i), as the transactions and receipts
 * tries of a block; Ethereum yellow paper, appendix D), built in one pass over the sorted keys.
 *
 * `@ethereumjs/mpt` gives the same root (the tests check it) but builds a database of nodes
 * through an async API: for a 1,000-transaction block it cost more than executing the block.
 * Here nothing is stored: each node is encoded once, bottom-up.
 */
import { RLP } from "@ethereumjs/rlp";
import { keccak256 } from "viem";

type Nibbles = number[];
type Node = Uint8Array | NodeList;
interface NodeList extends Array<Node> {}

function toNibbles(bytes: Uint8Array): Nibbles {
  const out: Nibbles = [];
  for (const b of bytes) out.push(b >> 4, b & 15);
  return out;
}

/** Hex-prefix encoding of a nibble path (yellow paper, appendix C). */
function hexPrefix(path: Nibbles, leaf: boolean): Uint8Array {
  const odd = path.length % 2 === 1;
  const flag = (leaf ? 2 : 0) + (odd ? 1 : 0);
  const nibbles = odd ? [flag, ...path] : [flag, 0, ...path];
  const out = new Uint8Array(nibbles.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (nibbles[2 * i] << 4) | nibbles[2 * i + 1];
  return out;
}

/** A child reference: the node itself when its encoding is shorter than 32 bytes, else its hash. */
function reference(node: NodeList): Node {
  const encoded = RLP.encode(node as never);
  return encoded.length < 32 ? node : keccak256(encoded, "bytes");
}

function build(items: Array<[Nibbles, Uint8Array]>, depth: number): NodeList {
  if (items.length === 1) {
    const [key, value] = items[0];
    return [hexPrefix(key.slice(depth), true), value];
  }
  // Longest common prefix beyond `depth` → an extension node.
  let prefix = 0;
  const first = items[0][0];
  for (;;) {
    const nibble = first[depth + prefix];
    if (nibble === undefined || items.some(([k]) => k[depth + prefix] !== nibble)) break;
    prefix++;
  }
  if (prefix > 0) {
    return [hexPrefix(first.slice(depth, depth + prefix), false), reference(build(items, depth + prefix))];
  }
  const branch: NodeList = Array.from({ length: 17 }, () => new Uint8Array());
  let start = 0;
  if (items[0][0].length === depth) {
    branch[16] = items[0][1];
    start = 1;
  }
  for (let i = start; i < items.length; ) {
    const nibble = items[i][0][depth];
    let j = i;
    while (j < items.length && items[j][0][depth] === nibble) j++;
    branch[nibble] = reference(build(items.slice(i, j), depth + 1));
    i = j;
  }
  return branch;
}

/** keccak-256 root of the trie mapping RLP(i) → values[i]; the empty trie's root for no values. */
export function orderedTrieRoot(values: Uint8Array[]): Uint8Array {
  if (values.length === 0) return keccak256(RLP.encode(new Uint8Array()), "bytes");
  const items = values
    .map((value, i): [Nibbles, Uint8Array] => [toNibbles(RLP.encode(i)), value])
    .sort(([a], [b]) => {
      for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
      return a.length - b.length;
    });
  return keccak256(RLP.encode(build(items, 0) as never), "bytes");
}
