/**
 * The interpreter patches (sdk/engine/interpreter-patches.ts): applied to the pinned
 * `@ethereumjs/evm` in this process, switched off by `HP_NO_EVM_PATCHES=1` in a child process
 * (which must still execute correctly). That results are the same with and without them is the
 * EDR differential suite's job: CI runs it both ways (.ci/run).
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { expect } from "chai";
import {
  PATCHED_EVM_VERSION,
  applyInterpreterPatches,
} from "../../sdk/engine/interpreter-patches.ts";

const run = promisify(execFile);

describe("interpreter patches", function () {
  this.timeout(120_000);

  it("are written for the @ethereumjs/evm package.json pins and applied here (unless HP_NO_EVM_PATCHES=1)", async function () {
    // Bumping the pin fails here first: re-check the patches against the new interpreter.js.
    const pkg = JSON.parse(
      await readFile(new URL("../../package.json", import.meta.url), "utf8"),
    ) as { dependencies: Record<string, string> };
    expect(pkg.dependencies["@ethereumjs/evm"]).to.equal(PATCHED_EVM_VERSION);
    const status = await applyInterpreterPatches();
    if (process.env.HP_NO_EVM_PATCHES === "1")
      expect(status).to.deep.equal({
        applied: false,
        reason: "switched off by HP_NO_EVM_PATCHES=1",
      });
    else expect(status).to.deep.equal({ applied: true });
  });

  it("HP_NO_EVM_PATCHES=1 leaves the interpreter alone, and a provider still mines and executes", async function () {
    const script = `
      import { applyInterpreterPatches } from "./sdk/engine/interpreter-patches.ts";
      import { createParallelProvider } from "./sdk/index.ts";
      const status = await applyInterpreterPatches();
      const provider = await createParallelProvider();
      const [from] = await provider.request({ method: "eth_accounts" });
      const hash = await provider.request({ method: "eth_sendTransaction", params: [{ from, to: "0x00000000000000000000000000000000000000aa", value: "0x1" }] });
      const receipt = await provider.request({ method: "eth_getTransactionReceipt", params: [hash] });
      console.log(JSON.stringify({ status, receipt: receipt.status }));
      await provider.dispose?.();
    `;
    const { stdout } = await run(
      process.execPath,
      ["--import", import.meta.resolve("tsx/esm"), "--input-type=module", "-e", script],
      {
        cwd: new URL("../../", import.meta.url),
        env: { ...process.env, HP_NO_EVM_PATCHES: "1" },
        timeout: 60_000,
      },
    );
    const out = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
      status: unknown;
      receipt: string;
    };
    expect(out.status).to.deep.equal({
      applied: false,
      reason: "switched off by HP_NO_EVM_PATCHES=1",
    });
    expect(out.receipt).to.equal("0x1");
  });
});
