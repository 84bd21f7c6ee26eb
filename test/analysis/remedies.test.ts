/**
 * Remedies by pattern (`sdk/analysis/remedies.ts`): each pattern recognised from decoded names,
 * location kinds and the access pattern (read and written by the same function), on
 * hand-built blocks, and the locations that get no hint.
 */
import { expect } from "chai";
import type { Address } from "viem";
import { balanceKey, codeKey, nonceKey, type LocationKey } from "../../sdk/engine/location.ts";
import { analyseBlock, REMEDY_HINTS, type RemedyPattern } from "../../sdk/analysis/index.ts";
import { ALICE, BOB, TOKEN, VAULT, block, type TxSpec, tokenSlot, vaultSlot } from "./helpers.ts";

const CAROL: Address = "0xca201000000000000000000000000000000000c3";
const USERS: Address[] = [ALICE, BOB, CAROL];

/** Every user calls `contract.fn`, which reads and writes `locations`. */
function everyUser(contract: string, fn: string, locations: LocationKey[], to = VAULT): TxSpec[] {
  return USERS.map((from) => ({
    from,
    to,
    contractName: contract,
    functionName: fn,
    reads: locations,
    writes: locations,
  }));
}

/** The (label, pattern) pairs of a block's hot locations decoded with `labels`. */
function patterns(specs: TxSpec[], labels: Record<string, string> = {}) {
  const analysis = analyseBlock(block(specs), { decode: (key) => labels[key] });
  return analysis.hotLocations.map((h) => [h.label, h.remedy?.pattern]);
}

describe("remedies by pattern", function () {
  it("a total written by every transaction → shards (ShardedCounter, ParallelERC20)", function () {
    const supply = vaultSlot(0n);
    expect(
      patterns(everyUser("Vault", "deposit", [supply]), { [supply]: "Vault.totalSupply" }),
    ).to.deep.equal([["Vault.totalSupply", "shared-total"]]);
    expect(
      patterns(everyUser("Anything", "bump", [supply]), { [supply]: "Anything._count" }),
    ).to.deep.equal([["Anything._count", "shared-total"]]);
    expect(REMEDY_HINTS["shared-total"]).to.match(/ShardedCounter.*ParallelERC20/);
  });

  it("AMM reserves → the batch-auction template, by variable name whatever the contract", function () {
    const reserve0 = vaultSlot(8n);
    const reserve1 = vaultSlot(9n);
    expect(
      patterns(everyUser("MyPool", "swap", [reserve0, reserve1]), {
        [reserve0]: "MyPool.reserve0",
        [reserve1]: "MyPool.slot.reserve1",
      }),
    ).to.deep.equal([
      ["MyPool.reserve0", "amm-reserves"],
      ["MyPool.slot.reserve1", "amm-reserves"],
    ]);
    expect(REMEDY_HINTS["amm-reserves"]).to.match(/templates\/amm/);
  });

  it("interest accrual → epochs (contracts/Epochs.sol, templates/lending)", function () {
    const index = vaultSlot(3n);
    const block = vaultSlot(4n);
    expect(
      patterns(everyUser("Market", "borrow", [index, block]), {
        [index]: "Market.borrowIndex",
        [block]: "Market.accrualBlockNumber",
      }),
    ).to.deep.equal([
      ["Market.accrualBlockNumber", "interest-accrual"],
      ["Market.borrowIndex", "interest-accrual"],
    ]);
    expect(REMEDY_HINTS["interest-accrual"]).to.match(/Epochs.*templates\/lending/);
  });

  it("a shared contract's token or ETH balance → per-user sub-accounts (vault template)", function () {
    // Every deposit into the vault moves the token's balance of the vault (a contract: it was
    // called by name), and pays it ether.
    const ofVault = tokenSlot(0x7777n);
    const ofAlice = tokenSlot(0x8888n);
    expect(
      patterns(everyUser("Vault", "deposit", [ofVault, balanceKey(VAULT)]), {
        [ofVault]: `Token._balances[${VAULT}]`,
      }),
    ).to.deep.equal([
      [`Token._balances[${VAULT}]`, "shared-balance"],
      [`balance(${VAULT})`, "shared-balance"],
    ]);
    // Keyed by an account that is no contract: no hint (a user's own balance).
    expect(
      patterns(everyUser("Token", "transfer", [ofAlice], TOKEN), {
        [ofAlice]: `Token._balances[${ALICE}]`,
      }),
    ).to.deep.equal([[`Token._balances[${ALICE}]`, undefined]]);
    expect(REMEDY_HINTS["shared-balance"]).to.match(/templates\/vault/);
  });

  it("any other variable read and written by every call → a generic hint; a one-way read → none", function () {
    const last = vaultSlot(5n);
    const price = vaultSlot(6n);
    expect(
      patterns(everyUser("Game", "play", [last]), { [last]: "Game.lastPlayer" }),
    ).to.deep.equal([["Game.lastPlayer", "shared-variable"]]);
    // Written by the oracle's update, read by swaps: not read-modify-write by one function.
    expect(
      patterns(
        [
          { contractName: "Oracle", functionName: "update", writes: [price] },
          { from: BOB, contractName: "Pool", functionName: "swap", reads: [price] },
        ],
        { [price]: "Oracle.price" },
      ),
    ).to.deep.equal([["Oracle.price", undefined]]);
    // An undecoded slot gets no hint (its name is unknown).
    expect(patterns(everyUser("Game", "play", [last]))).to.deep.equal([
      [`storage(${VAULT})[0x5]`, undefined],
    ]);
  });

  it("sender order → several senders; creation order → deploy in a hook (figures with order)", function () {
    const own = [nonceKey(ALICE), balanceKey(ALICE)];
    const analysis = analyseBlock(
      block([
        { to: null, reads: own, writes: [...own, codeKey(TOKEN), nonceKey(TOKEN)] },
        { reads: [...own, codeKey(TOKEN)], writes: own, to: TOKEN },
        { reads: own, writes: own, to: BOB },
      ]),
    );
    expect(analysis.hotLocations).to.deep.equal([]);
    const byLabel = Object.fromEntries(
      analysis.includingOrder.hotLocations.map((h) => [h.label, h.remedy?.pattern]),
    ) as Record<string, RemedyPattern | undefined>;
    expect(byLabel).to.deep.equal({
      [`balance(${ALICE})`]: "sender-order",
      [`nonce(${ALICE})`]: "sender-order",
      [`code(${TOKEN})`]: "creation-order",
    });
    expect(REMEDY_HINTS["sender-order"]).to.match(/several accounts/);
  });
});
