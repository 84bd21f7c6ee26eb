/**
 * Replay benchmark: a block of many transactions prepared on anvil (started here on
 * 127.0.0.1), replayed with `parallel-replay`'s engine (`sdk/replay/replay-block.ts`) on the
 * state before it, read from anvil. Not a test: it measures wall-clock time, which depends on
 * the machine.
 *
 *   bash scripts/with-node22.sh hardhat run bench/replay.ts
 *
 * Blocks (`test/replay/helpers.ts`): `mixed` — a third `NetCounter.increment()` (one hot slot),
 * a third token transfers to one holder (another hot slot), a third to holders of their own;
 * `independent` — token transfers to holders of their own only. Each block is replayed
 * `HP_BENCH_RUNS` times (default 3) per lanes setting; times are medians of the timed runs
 * (state already loaded, workers started).
 *
 * Environment: `HP_BENCH_TXS` (default 240), `HP_BENCH_LANES` (comma-separated, default `2,4`),
 * `HP_BENCH_RUNS`.
 */
import hre from "hardhat";
import { analyseTestBlocks } from "../sdk/analysis/recorded-analysis.ts";
import type { CodeTable } from "../sdk/analysis/recorded-block.ts";
import { replayBlock } from "../sdk/replay/replay-block.ts";
import { loadProjectContracts } from "../plugins/internal/project-contracts.ts";
import { startAnvil } from "../test/fork/helpers.ts";
import { prepareBusyBlock } from "../test/replay/helpers.ts";

const TXS = Number(process.env.HP_BENCH_TXS ?? 240);
const LANES = (process.env.HP_BENCH_LANES ?? "2,4").split(",").map(Number);
const RUNS = Number(process.env.HP_BENCH_RUNS ?? 3);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { index } = await loadProjectContracts(hre.artifacts);
for (const mix of ["mixed", "independent"] as const) {
  const remote = await startAnvil();
  try {
    const busy = await prepareBusyBlock(remote.url, TXS, mix);
    for (const lanes of LANES) {
      const seq: number[] = [];
      const stm: number[] = [];
      let reExecutions = 0;
      let line = "";
      for (let run = 0; run < RUNS; run++) {
        const codes: CodeTable = {};
        const r = await replayBlock(
          { url: remote.url, lanes, hardfork: "prague" },
          busy.block,
          codes,
        );
        const mismatches = r.sequentialMismatches.length + r.blockStmMismatches.length;
        if (mismatches > 0) throw new Error(`block ${r.number}: ${mismatches} receipt mismatches`);
        seq.push(r.sequentialMs);
        stm.push(r.blockStmMs);
        reExecutions = r.blockStmRecord.reExecutions;
        if (run === 0) {
          const analysis = (await analyseTestBlocks([r.recorded], { index, codes }, lanes))!
            .analysis;
          line = `contention ${(analysis.contention * 100).toFixed(1)}%, dependent ${analysis.dependentTransactions}, critical path ${analysis.criticalPath.length} txs, speedup(${lanes}) ${analysis.speedup.toFixed(2)}×, hot ${analysis.hotLocations
            .slice(0, 2)
            .map((h) => h.label)
            .join(", ")}`;
        }
      }
      console.log(
        `${mix} block of ${TXS} txs, ${lanes} lanes: ${line}; sequential ${median(seq).toFixed(1)} ms, Block-STM ${median(stm).toFixed(1)} ms (${reExecutions} re-executions), ratio ${(median(seq) / median(stm)).toFixed(2)}×`,
      );
    }
  } finally {
    await remote.stop();
  }
}
