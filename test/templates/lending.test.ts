/**
 * Runs the lending template's tests (templates/lending/test/) as part of the repository's
 * `hardhat test`. The template keeps its tests next to its contracts so that
 * `hardhat-parallel create --template lending` copies them into new projects unchanged; this file
 * only imports them. The functional and property tests connect to the network named by
 * `HP_TEST_NETWORK` (default: Hardhat's default network); the contention tests always use the
 * `parallel` network. See templates/lending/test/helpers.ts.
 */
import "../../templates/lending/test/parallel-lending-market.test.ts";
import "../../templates/lending/test/parallel-lending-market.properties.test.ts";
import "../../templates/lending/test/baseline-lending-market.test.ts";
import "../../templates/lending/test/lending-contention.test.ts";
import "../../templates/lending/test/audit-findings.test.ts";
import "../../templates/lending/test/rate-manipulation.test.ts";
import "../../templates/lending/test/lending-invariants.test.ts";
import "../../templates/lending/test/hostile-tokens.test.ts";
