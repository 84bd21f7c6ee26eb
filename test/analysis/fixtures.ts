/** Shared analyses for the assertion and chai tests. */
import type { LocationKey } from "../../sdk/engine/location.ts";
import { balanceKey } from "../../sdk/engine/location.ts";
import { analyseBlock, type AnalyseBlockOptions } from "../../sdk/analysis/index.ts";
import { ALICE, TOKEN, VAULT, block, tokenSlot, vaultSlot } from "./helpers.ts";

export const SUPPLY = vaultSlot(0n);
export const BAL_A = vaultSlot(0xaaaan);

export const decode = (key: LocationKey): string | undefined =>
  key === SUPPLY ? "Vault.totalSupply" : key === BAL_A ? `Vault.balanceOf[${ALICE}]` : undefined;

/**
 * Two deposits, a withdraw and a token transfer, 21,000 gas each. Edges 0→1 (totalSupply),
 * 0→2 (balanceOf[alice]), 1→2 (totalSupply). Contention 2/4; critical path 0→1→2 = 63,000 gas;
 * parallelism 84,000 / 63,000; speedup(16) the same; speedup(1) = 1.
 */
export function vaultAnalysis(options: AnalyseBlockOptions = { decode }) {
  return analyseBlock(
    block([
      { contractName: "Vault", functionName: "deposit", reads: [SUPPLY], writes: [SUPPLY, BAL_A] },
      { contractName: "Vault", functionName: "deposit", reads: [SUPPLY], writes: [SUPPLY] },
      {
        contractName: "Vault",
        functionName: "withdraw",
        reads: [SUPPLY, BAL_A],
        writes: [SUPPLY, BAL_A],
      },
      {
        to: TOKEN,
        contractName: "Token",
        functionName: "transfer",
        reads: [tokenSlot(1n)],
        writes: [tokenSlot(1n)],
      },
    ]),
    options,
  );
}

/** The vault contract's ETH balance read after a write: a dependency on `balance`. */
export function balanceAnalysis() {
  return analyseBlock(
    block([
      { contractName: "Vault", functionName: "receive", writes: [balanceKey(VAULT)] },
      { contractName: "Vault", functionName: "sweep", reads: [balanceKey(VAULT)] },
    ]),
  );
}

export const HOT_LINES =
  "Top hot locations:\n" +
  "  1. Vault.totalSupply: 2 dependencies (written by Vault.deposit ×2; read by Vault.deposit ×1, Vault.withdraw ×1)\n" +
  `  2. Vault.balanceOf[${ALICE}]: 1 dependency (written by Vault.deposit ×1; read by Vault.withdraw ×1)`;
