// The README's "SDK without Hardhat", as a user runs it: a plain Node ESM script, no Hardhat,
// no TypeScript loader. scripts/e2e-package.sh copies it into a fresh project that installed the
// packed tarball and runs it there with `node` (under `timeout`: it must exit by itself). It
// sends transfers from distinct senders, mines them as one block, and checks that the block ran
// on the lanes (Block-STM on worker threads, started from the package's compiled worker.js) and
// that every receipt and balance is right. Prints one line and exits 0; a failure throws (exit 1).
import { createParallelProvider } from "hardhat-parallel/sdk";

const TRANSFERS = 12;
const VALUE = 1_000_000_000_000_000n; // 0.001 ETH

/** @param {unknown} condition @param {string} message */
function check(condition, message) {
  if (!condition) throw new Error(`sdk-smoke: ${message}`);
}

const resolved = import.meta.resolve("hardhat-parallel/sdk");
check(
  resolved.endsWith("/dist/sdk/index.js"),
  `hardhat-parallel/sdk resolved to ${resolved}, not the compiled dist/sdk/index.js`,
);
check(
  process.execArgv.length === 0,
  `node ran with flags ${process.execArgv.join(" ")}; this script must run under plain node`,
);

const provider = await createParallelProvider({
  mining: { auto: false },
  executor: "block-stm",
  lanes: 2,
  // Run even this small block on the lanes (by default a block this light runs sequentially).
  fallback: { minTransactions: 2, minGas: 0n, minPredictedSpeedup: 0 },
});
try {
  const accounts = /** @type {string[]} */ (await provider.request({ method: "eth_accounts" }));
  check(
    accounts.length >= TRANSFERS,
    `expected at least ${TRANSFERS} accounts, got ${accounts.length}`,
  );
  // Fresh recipients, one per sender: the transactions are independent.
  const recipients = Array.from(
    { length: TRANSFERS },
    (_, i) => `0x${(0xabc000 + i).toString(16).padStart(40, "0")}`,
  );
  const hashes = [];
  for (let i = 0; i < TRANSFERS; i++) {
    const from = accounts[i];
    const to = recipients[i];
    hashes.push(
      /** @type {string} */ (
        await provider.request({
          method: "eth_sendTransaction",
          params: [{ from, to, value: `0x${VALUE.toString(16)}` }],
        })
      ),
    );
  }
  await provider.request({ method: "evm_mine" });

  const receipts = /** @type {Array<{ status: string; blockNumber: string } | null>} */ (
    await Promise.all(
      hashes.map((hash) =>
        provider.request({ method: "eth_getTransactionReceipt", params: [hash] }),
      ),
    )
  );
  check(
    receipts.every((r) => r !== null && r.status === "0x1"),
    `not every transaction succeeded: ${JSON.stringify(receipts)}`,
  );
  const blockNumber = /** @type {{ blockNumber: string }} */ (receipts[0]).blockNumber;
  check(
    receipts.every((r) => r?.blockNumber === blockNumber),
    "the transfers were not mined in one block",
  );
  for (const to of recipients) {
    const balance = BigInt(
      /** @type {string} */ (
        await provider.request({ method: "eth_getBalance", params: [to, "latest"] })
      ),
    );
    check(balance === VALUE, `balance of ${to} is ${balance}, expected ${VALUE}`);
  }

  const record =
    /** @type {{ executor: string; executedBy: string; lanes: number; transactions: number; fallbackReason?: string; faults: string[] }} */ (
      await provider.request({ method: "parallel_getBlockRecord", params: [blockNumber] })
    );
  check(
    record.executedBy === "block-stm",
    `block ${blockNumber} ran on ${record.executedBy} (fallback: ${record.fallbackReason ?? "none"}), not on the lanes`,
  );
  check(
    record.lanes === 2 && record.transactions === TRANSFERS,
    `unexpected block record ${JSON.stringify(record)}`,
  );
  check(record.faults.length === 0, `lane faults: ${record.faults.join("; ")}`);
  console.log(
    `sdk-smoke: block ${BigInt(blockNumber)}: ${record.transactions} transfers on ${record.lanes} lanes (${record.executedBy}), ` +
      `${receipts.length} receipts with status 1, balances right`,
  );
} finally {
  await provider.dispose();
}
