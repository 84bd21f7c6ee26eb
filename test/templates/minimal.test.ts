/**
 * Runs the minimal template's tests (templates/minimal/test/) as part of the repository's
 * `hardhat test`; `hardhat-parallel create --template minimal` copies the same files.
 */
import "../../templates/minimal/test/ParallelCounter.test.ts";
