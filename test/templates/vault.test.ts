/**
 * Runs the vault template's tests (templates/vault/test/) as part of the repository's
 * `hardhat test`. The template keeps its tests next to its contracts so that
 * `hardhat-parallel create --template vault` copies them into new projects unchanged; this file
 * only imports them. Each imported file connects to the `parallel` network, or to the one named
 * by `HP_TEST_NETWORK` (`default` = Hardhat's EDR network), see templates/vault/test/helpers.ts.
 */
// The library (contracts/), exercised through the template's harnesses and test assets.
import "../../templates/vault/test/sharded-counter.test.ts";
import "../../templates/vault/test/epochs.test.ts";
import "../../templates/vault/test/transient-guard.test.ts";
import "../../templates/vault/test/safe-transfer.test.ts";
import "../../templates/vault/test/parallel-erc20.test.ts";
// The vault template.
import "../../templates/vault/test/parallel-vault.test.ts";
import "../../templates/vault/test/parallel-vault.properties.test.ts";
import "../../templates/vault/test/baseline-vault.test.ts";
import "../../templates/vault/test/baseline-reentrancy.test.ts";
import "../../templates/vault/test/vault-security.test.ts";
import "../../templates/vault/test/vault-audit.test.ts";
import "../../templates/vault/test/vault-invariants.test.ts";
// Contention of the vaults in one block of 100 users; always on the `parallel` network.
import "../../templates/vault/test/contention.test.ts";
