/**
 * Runs the AMM template's tests (templates/amm/test/) as part of the repository's
 * `hardhat test`. The template keeps its tests next to its contracts so that
 * `hardhat-parallel create --template amm` copies them into new projects unchanged; this file only
 * imports them. The functional and property tests connect to the network named by
 * `HP_TEST_NETWORK` (default: Hardhat's default network); the contention tests always use the
 * `parallel` network. See templates/amm/test/helpers.ts.
 */
import "../../templates/amm/test/batch-auction-amm.test.ts";
import "../../templates/amm/test/batch-auction-amm.properties.test.ts";
import "../../templates/amm/test/baseline-pair-amm.test.ts";
import "../../templates/amm/test/amm-contention.test.ts";
import "../../templates/amm/test/batch-auction-amm.security.test.ts";
