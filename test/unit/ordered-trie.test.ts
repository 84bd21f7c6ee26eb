import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { expect } from "chai";
import fc from "fast-check";
import { orderedTrieRoot } from "../../sdk/engine/ordered-trie.ts";

/** The reference: @ethereumjs/mpt with one put per item. */
async function referenceRoot(values: Uint8Array[]): Promise<string> {
  const trie = new MerklePatriciaTrie();
  for (let i = 0; i < values.length; i++) await trie.put(RLP.encode(i), values[i]);
  return Buffer.from(trie.root()).toString("hex");
}

describe("orderedTrieRoot", () => {
  it("equals @ethereumjs/mpt's root at the RLP key-length boundaries", async () => {
    for (const n of [0, 1, 2, 15, 16, 17, 127, 128, 129, 255, 256, 257, 600]) {
      const values = Array.from({ length: n }, (_, i) =>
        new Uint8Array(((i * 7) % 90) + 1).fill(i % 256),
      );
      expect(Buffer.from(orderedTrieRoot(values)).toString("hex"), `n=${n}`).to.equal(
        await referenceRoot(values),
      );
    }
  });

  it("equals @ethereumjs/mpt's root for random value lists (short values are embedded, long ones hashed)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 80 }), { maxLength: 300 }),
        async (values) => {
          expect(Buffer.from(orderedTrieRoot(values)).toString("hex")).to.equal(
            await referenceRoot(values),
          );
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });
});
