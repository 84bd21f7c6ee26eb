/**
 * The console.log decoder (`sdk/rpc/console-log.ts`): the selector table it derives from the
 * installed Hardhat's `console.sol` is Hardhat's own table (selectors and argument kinds), and
 * each line is what Hardhat's `ConsoleLogger` makes of the same call data. Also: a provider's
 * lines go where `observers.printLine` sends them.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

import { describe, it } from "mocha";
import { encodeFunctionData, parseAbiItem } from "viem";

import { consoleSignatures, formatConsoleLog } from "../../sdk/rpc/console-log.ts";

const require = createRequire(import.meta.url);
const hardhatRoot = dirname(require.resolve("hardhat/package.json"));
const edrUtils = join(hardhatRoot, "dist/src/internal/builtin-plugins/network-manager/edr/utils");

/** Hardhat's generated table and its decoder (not exported by the package: loaded by path). */
async function hardhatConsole(): Promise<{
  signatures: Record<number, string[]>;
  getDecodedLogs: (messages: Buffer[]) => string[];
}> {
  const { CONSOLE_LOG_SIGNATURES } = await import(
    pathToFileURL(join(edrUtils, "console-log-signatures.js")).href
  );
  const { ConsoleLogger } = await import(pathToFileURL(join(edrUtils, "console-logger.js")).href);
  return {
    signatures: CONSOLE_LOG_SIGNATURES,
    getDecodedLogs: (m) => ConsoleLogger.getDecodedLogs(m),
  };
}

/** Hardhat's type tags (`Uint256`, `Bytes12`, …) for a Solidity type. */
function hardhatTag(type: string): string {
  return type.charAt(0).toUpperCase() + type.slice(1);
}

describe("console.log decoding", () => {
  it("derives Hardhat's selector table from console.sol", async () => {
    const { signatures } = await hardhatConsole();
    const ours = consoleSignatures(readFileSync(require.resolve("hardhat/console.sol"), "utf8"));
    assert.equal(ours.size, Object.keys(signatures).length);
    for (const [selector, types] of ours)
      assert.deepEqual(types.map(hardhatTag), signatures[selector], `selector ${selector}`);
  });

  it("formats call data as Hardhat's ConsoleLogger does", async () => {
    const { getDecodedLogs } = await hardhatConsole();
    const calls: Array<[string, unknown[]]> = [
      ["function log(string)", ["hello"]],
      ["function log(uint256)", [2n ** 256n - 1n]],
      ["function log(int256)", [-(2n ** 255n)]],
      ["function log(bool)", [true]],
      ["function log(address)", ["0x00000000000000000000000000000000000000aa"]],
      ["function log(bytes)", ["0x"]],
      ["function log(bytes3)", ["0x010203"]],
      ["function log(string,uint256)", ["%d%% of %i", 5n]],
      ["function log(string,uint256,uint256)", ["%%d %d", 1n, 2n]],
      ["function log(string,string)", ["%s", "%d"]],
      ["function log(uint256,string,bool,address)", [1n, "x", false, `0x${"11".repeat(20)}`]],
      ["function log()", []],
    ];
    for (const [signature, args] of calls) {
      const abi = [parseAbiItem(signature)];
      const data = encodeFunctionData({ abi, args } as never);
      const bytes = Buffer.from(data.slice(2), "hex");
      assert.deepEqual([formatConsoleLog(bytes)], getDecodedLogs([bytes]), signature);
    }
    assert.equal(formatConsoleLog(Buffer.from("12345678", "hex")), undefined);
  });

  it("sends a provider's lines to observers.printLine", async () => {
    const { createParallelProvider } = await import("../../sdk/rpc/provider.ts");
    const provider = await createParallelProvider({ executor: "sequential" });
    try {
      const lines: string[] = [];
      provider.observers.printLine = (line) => lines.push(line);
      // Init code that calls console.log("hi") (staticcall to the console address), then stops.
      const payload = encodeFunctionData({
        abi: [parseAbiItem("function log(string)")],
        args: ["hi"],
      });
      const bytes = payload.slice(2);
      const length = bytes.length / 2;
      // CODECOPY the payload (appended after the code) to memory 0, STATICCALL the console.
      const prefix = (offset: number) =>
        `61${length.toString(16).padStart(4, "0")}61${offset.toString(16).padStart(4, "0")}600039` +
        `6000600061${length.toString(16).padStart(4, "0")}6000` +
        `6a636f6e736f6c652e6c6f675afa5000`;
      const code = `0x${prefix(prefix(0).length / 2)}${bytes}`;
      const [from] = (await provider.request({ method: "eth_accounts" })) as string[];
      await provider.request({ method: "eth_call", params: [{ from, data: code }] });
      assert.deepEqual(lines, ["hi"]);
    } finally {
      await provider.dispose();
    }
  });
});
