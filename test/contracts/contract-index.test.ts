/**
 * The contract index: runtime code matched against `deployedBytecode` (by the SDK's matcher,
 * tested in `code-matcher.test.ts`), deployments by init code, function names by selector,
 * custom errors, storage layouts from the loader — and the same name whatever order the
 * artifacts come in.
 */
import assert from "node:assert/strict";
import { encodeErrorResult, toFunctionSelector, type Hex } from "viem";
import { type ContractArtifact, ContractIndex } from "../../sdk/contracts/contract-index.ts";
import { COUNTER_ARTIFACT, COUNTER_CODE, COUNTER_LAYOUT, counterIndex } from "../report/helpers.ts";

function artifact(
  name: string,
  code: string,
  extra: Partial<ContractArtifact> = {},
): ContractArtifact {
  return {
    contractName: name,
    sourceName: `contracts/${name}.sol`,
    abi: [],
    deployedBytecode: code,
    ...extra,
  };
}

const metadata = (hashByte: string): string =>
  `a2646970667358221220${hashByte.repeat(32)}64736f6c63430008140033`;

describe("contract index", function () {
  it("identifies code whose metadata differs from the artifact's", function () {
    const index = counterIndex();
    assert.equal(index.byRuntimeCode(COUNTER_CODE)?.name, "Counter");
    assert.equal(index.byRuntimeCode(COUNTER_CODE)?.fqn, "contracts/Counter.sol:Counter");
    assert.equal(index.byRuntimeCode("0x6001600055"), undefined);
    assert.equal(index.byRuntimeCode("0x"), undefined);
  });

  it("names identical code (metadata apart) after its own build, else first by fully qualified name", function () {
    const index = new ContractIndex([
      artifact("Zeta", `0x6001600055${metadata("02")}`),
      artifact("Alpha", `0x6001600055${metadata("01")}`),
    ]);
    assert.equal(index.byRuntimeCode(`0x6001600055${metadata("02")}` as Hex)?.name, "Zeta");
    assert.equal(index.byRuntimeCode(`0x6001600055${metadata("03")}` as Hex)?.name, "Alpha");
  });

  it("gives the same names whatever order, and in however many calls, the artifacts are added", function () {
    const zeta = artifact("Zeta", `0x6001600055${metadata("02")}`, { bytecode: "0x60aa" });
    const alpha = artifact("Alpha", `0x6001600055${metadata("01")}`, { bytecode: "0x60aa" });
    const oneCall = new ContractIndex([zeta, alpha]);
    const twoCalls = new ContractIndex([zeta]);
    assert.equal(twoCalls.byRuntimeCode(`0x6001600055${metadata("03")}` as Hex)?.name, "Zeta");
    twoCalls.add([alpha]);
    for (const index of [oneCall, twoCalls, new ContractIndex([alpha, zeta])]) {
      assert.deepEqual(
        index.contracts.map((c) => c.fqn),
        ["contracts/Alpha.sol:Alpha", "contracts/Zeta.sol:Zeta"],
      );
      assert.equal(index.byRuntimeCode(`0x6001600055${metadata("03")}` as Hex)?.name, "Alpha");
      assert.equal(index.byInitCode("0x60aa0000")?.name, "Alpha");
    }
  });

  it("skips entries that are not contract artifacts and artifacts it already has", function () {
    const index = new ContractIndex([
      COUNTER_ARTIFACT,
      {
        ...COUNTER_ARTIFACT,
        abi: [
          { type: "function", name: "other", inputs: [], outputs: [], stateMutability: "view" },
        ],
      },
      {
        contractName: "Counter",
        sourceName: "contracts/Counter.sol",
      } as unknown as ContractArtifact, // e.g. an access manifest
    ]);
    assert.equal(index.size, 1);
    assert.equal(index.functionName(toFunctionSelector("bump()"), index.contracts[0]), "bump");
    assert.equal(index.functionName(toFunctionSelector("other()")), undefined);
  });

  it("names functions from the contract's ABI, else from any artifact, overloads by signature", function () {
    const overloaded = artifact("Token", "0x00", {
      abi: [
        {
          type: "function",
          name: "transfer",
          inputs: [
            { name: "to", type: "address" },
            { name: "amount", type: "uint256" },
          ],
        },
        { type: "function", name: "transfer", inputs: [{ name: "to", type: "address" }] },
      ],
    });
    const index = new ContractIndex([COUNTER_ARTIFACT, overloaded]);
    const counter = index.byRuntimeCode(COUNTER_CODE)!;
    assert.equal(index.functionName(toFunctionSelector("bump()"), counter), "bump");
    assert.equal(
      index.functionName(toFunctionSelector("transfer(address,uint256)"), counter),
      "transfer(address,uint256)",
    );
    assert.equal(index.functionName("0xdeadbeef"), undefined);
  });

  it("knows fallback, receive and custom errors as EDR formats them", function () {
    const abi = [
      { type: "fallback", stateMutability: "payable" },
      {
        type: "error",
        name: "TooLarge",
        inputs: [
          { name: "x", type: "uint256" },
          { name: "to", type: "address" },
        ],
      },
    ] as const;
    const index = new ContractIndex([artifact("Pool", `0x6001600055${metadata("01")}`, { abi })]);
    const pool = index.contracts[0];
    assert.equal(pool.hasFallback, true);
    assert.equal(pool.hasReceive, false);
    const data = encodeErrorResult({
      abi,
      errorName: "TooLarge",
      args: [7n, "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"],
    });
    assert.equal(
      index.describeCustomError(data),
      'TooLarge(7, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")',
    );
    assert.equal(index.describeCustomError("0xdeadbeef"), undefined);
  });

  it("loads a layout once per contract and tolerates loader failures", async function () {
    let calls = 0;
    const index = new ContractIndex([COUNTER_ARTIFACT], {
      loadLayout: async () => {
        calls++;
        return COUNTER_LAYOUT;
      },
    });
    const counter = index.contracts[0];
    assert.equal(await index.layout(counter), COUNTER_LAYOUT);
    assert.equal(await index.layout(counter), COUNTER_LAYOUT);
    assert.equal(calls, 1);
    const failing = new ContractIndex([COUNTER_ARTIFACT], {
      loadLayout: async () => {
        throw new Error("unreadable");
      },
    });
    assert.equal(await failing.layout(failing.contracts[0]), undefined);
    assert.equal(await new ContractIndex([COUNTER_ARTIFACT]).layout(counter), undefined);
  });
});
