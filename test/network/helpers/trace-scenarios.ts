/**
 * Differential scenarios for debug_traceTransaction and debug_traceCall (issue 13 item 4): the
 * default struct logger with its options, callTracer, prestateTracer (also in diff mode) and
 * 4byteTracer, for a transfer, a contract call that writes storage, nested calls that revert
 * (bubbled and caught), creations (top level and nested) and DELEGATECALL, plus the error
 * cases. Part of {@link SCENARIOS} in `scenarios.ts`; traces are compared whole.
 */
import type { Address, Hex } from "viem";

import assert from "node:assert/strict";

import { parseEther, toHex } from "viem";

import { devAccount } from "./accounts.ts";
import type { Observation, ScenarioRun, StepRecord } from "./harness.ts";
import { encodeCall } from "./harness.ts";
import type { CheckedScenario } from "./scenarios.ts";

const A = (i: number): Address => devAccount(i).address;

const step = (o: Observation, label: string): StepRecord => {
  const s = o.steps.find((x) => x.label === label);
  assert.ok(s, `no step labelled "${label}"`);
  return s;
};

/** The result of step `label`, which must have succeeded. */
function resultOf<T>(o: Observation, label: string): T {
  const s = step(o, label);
  assert.equal(s.error, undefined, `step "${label}" failed: ${JSON.stringify(s.error)}`);
  return s.result as T;
}

/** The hash of the last transaction of the latest block (also when its send failed). */
async function lastTransaction(r: ScenarioRun): Promise<Hex> {
  const block = (await r.rpc("eth_getBlockByNumber", ["latest", false])) as {
    transactions: Hex[];
  };
  return block.transactions.at(-1)!;
}

/** Every tracer (and the struct logger's options) on one mined transaction. */
async function traceAll(r: ScenarioRun, label: string, hash: Hex): Promise<void> {
  await r.record(`${label}: struct logs`, "debug_traceTransaction", [hash]);
  await r.record(`${label}: struct logs, memory and return data`, "debug_traceTransaction", [
    hash,
    { enableMemory: true, enableReturnData: true, disableStack: true },
  ]);
  await r.record(`${label}: struct logs without stack and storage`, "debug_traceTransaction", [
    hash,
    { disableStack: true, disableStorage: true, disableMemory: true },
  ]);
  await r.record(`${label}: callTracer`, "debug_traceTransaction", [
    hash,
    { tracer: "callTracer", tracerConfig: { withLog: true } },
  ]);
  await r.record(`${label}: callTracer, top call only`, "debug_traceTransaction", [
    hash,
    { tracer: "callTracer", tracerConfig: { onlyTopCall: true } },
  ]);
  await r.record(`${label}: prestateTracer`, "debug_traceTransaction", [
    hash,
    { tracer: "prestateTracer" },
  ]);
  await r.record(`${label}: prestateTracer diff`, "debug_traceTransaction", [
    hash,
    { tracer: "prestateTracer", tracerConfig: { diffMode: true } },
  ]);
  await r.record(`${label}: 4byteTracer`, "debug_traceTransaction", [
    hash,
    { tracer: "4byteTracer" },
  ]);
}

interface StructLogs {
  failed: boolean;
  structLogs: Array<{ op: string; depth: number; storage?: object; memory?: unknown }>;
}
interface Frame {
  type: string;
  error?: string;
  revertReason?: string;
  calls?: Frame[];
  logs?: unknown[];
}

export const TRACE_SCENARIOS: CheckedScenario[] = [
  {
    name: "debug_traceTransaction: a transfer and a contract call that writes storage",
    async run(r) {
      const transfer = await r.send("transfer", { from: A(0), to: A(5), value: parseEther("1") });
      await traceAll(r, "transfer", transfer!);
      const target = await r.deploy("deploy target", A(0), "NetTarget");
      const caller = await r.deploy("deploy caller", A(0), "NetCaller");
      const set = await r.send("callSet", {
        from: A(1),
        to: caller,
        data: await encodeCall("NetCaller", "callSet", [target, 5n]),
      });
      await traceAll(r, "callSet", set!);
      const again = await r.send("callSet again", {
        from: A(2),
        to: caller,
        data: await encodeCall("NetCaller", "callSet", [target, 0n]),
      });
      await traceAll(r, "callSet again", again!);
      const delegate = await r.send("delegateSet", {
        from: A(1),
        to: caller,
        data: await encodeCall("NetCaller", "delegateSet", [target, 9n]),
      });
      await traceAll(r, "delegateSet", delegate!);
      const recurse = await r.send("recurse", {
        from: A(3),
        to: caller,
        data: await encodeCall("NetCaller", "recurse", [target, 2n]),
      });
      await traceAll(r, "recurse", recurse!);
    },
    check(o) {
      assert.equal(resultOf<StructLogs>(o, "transfer: struct logs").structLogs.length, 0);
      const logs = resultOf<StructLogs>(o, "callSet: struct logs").structLogs;
      assert.ok(logs.some((l) => l.op === "SSTORE" && l.depth === 2 && l.storage !== undefined));
      assert.ok(
        resultOf<StructLogs>(o, "callSet: struct logs, memory and return data").structLogs.some(
          (l) => Array.isArray(l.memory) && l.memory.length > 0,
        ),
      );
      const call = resultOf<Frame>(o, "callSet: callTracer");
      assert.equal(call.calls?.[0]?.type, "CALL");
      assert.equal(call.calls?.[0]?.logs?.length, 1);
      assert.equal(resultOf<Frame>(o, "delegateSet: callTracer").calls?.[0]?.type, "DELEGATECALL");
      const prestate = resultOf<Record<string, unknown>>(o, "callSet: prestateTracer");
      assert.ok(Object.keys(prestate).length >= 4);
    },
  },
  {
    name: "debug_traceTransaction: nested reverts (bubbled, caught, reason, custom error, panic)",
    async run(r) {
      const target = await r.deploy("deploy target", A(0), "NetTarget");
      const caller = await r.deploy("deploy caller", A(0), "NetCaller");
      const inner = await r.deploy("deploy inner", A(0), "NetTraceInner");
      const outer = await r.deploy("deploy outer", A(0), "NetTraceOuter", [inner]);
      await r.send("callAndBubble", {
        from: A(1),
        to: caller,
        gas: 200_000n,
        data: await encodeCall("NetCaller", "callAndBubble", [target, 7n]),
      });
      await traceAll(r, "callAndBubble", await lastTransaction(r));
      const caught = await r.send("callAndCatch", {
        from: A(1),
        to: caller,
        data: await encodeCall("NetCaller", "callAndCatch", [target, 3n]),
      });
      await traceAll(r, "callAndCatch", caught!);
      for (const fn of ["callReason", "callCustom", "callPanic"]) {
        await r.send(fn, {
          from: A(2),
          to: outer,
          gas: 300_000n,
          data: await encodeCall("NetTraceOuter", fn, [1n]),
        });
        await traceAll(r, fn, await lastTransaction(r));
      }
    },
    check(o) {
      assert.equal(resultOf<StructLogs>(o, "callAndBubble: struct logs").failed, true);
      const bubble = resultOf<Frame>(o, "callAndBubble: callTracer");
      assert.equal(bubble.error, "execution reverted");
      assert.equal(bubble.calls?.[0]?.error, "execution reverted");
      const caught = resultOf<Frame>(o, "callAndCatch: callTracer");
      assert.equal(caught.error, undefined);
      assert.equal(caught.calls?.[0]?.error, "execution reverted");
      assert.equal(caught.logs?.length, 1);
      assert.equal(
        resultOf<Frame>(o, "callReason: callTracer").calls?.[0]?.revertReason,
        "NetTraceInner: nonzero",
      );
    },
  },
  {
    name: "debug_traceTransaction: creations (top level, nested CREATE and CREATE2, a reverting constructor)",
    async run(r) {
      await r.deploy("deploy factory", A(0), "NetFactory");
      await traceAll(r, "deploy factory", await lastTransaction(r));
      const factory = (await r.rpc("eth_getTransactionReceipt", [await lastTransaction(r)])) as {
        contractAddress: Address;
      };
      const created = await r.send("create", {
        from: A(1),
        to: factory.contractAddress,
        value: 5n,
        data: await encodeCall("NetFactory", "create", [42n]),
      });
      await traceAll(r, "create", created!);
      const created2 = await r.send("create2", {
        from: A(1),
        to: factory.contractAddress,
        data: await encodeCall("NetFactory", "create2", [toHex(7n, { size: 32 }), 43n]),
      });
      await traceAll(r, "create2", created2!);
      const inner = await r.deploy("deploy inner", A(0), "NetTraceInner");
      const outer = await r.deploy("deploy outer", A(0), "NetTraceOuter", [inner]);
      await r.send("createBroken", {
        from: A(2),
        to: outer,
        gas: 500_000n,
        data: await encodeCall("NetTraceOuter", "createBroken", [13n]),
      });
      await traceAll(r, "createBroken", await lastTransaction(r));
    },
    check(o) {
      assert.equal(resultOf<Frame>(o, "deploy factory: callTracer").type, "CREATE");
      assert.equal(resultOf<Frame>(o, "create: callTracer").calls?.[0]?.type, "CREATE");
      assert.equal(resultOf<Frame>(o, "create2: callTracer").calls?.[0]?.type, "CREATE2");
      const broken = resultOf<Frame>(o, "createBroken: callTracer");
      assert.equal(broken.calls?.[0]?.revertReason, "NetTraceBroken: unlucky");
    },
  },
  {
    name: "debug_traceTransaction: later transactions of a block see the earlier ones' writes",
    async run(r) {
      const target = await r.deploy("deploy target", A(0), "NetTarget");
      const caller = await r.deploy("deploy caller", A(0), "NetCaller");
      await r.inOneBlock(async () => {
        for (const [i, value] of [
          [1, 11n],
          [2, 0n],
          [3, 13n],
          [1, 14n],
        ] as const) {
          await r.send(`callSet ${value}`, {
            from: A(i),
            to: caller,
            gas: 120_000n,
            data: await encodeCall("NetCaller", "callSet", [target, value]),
          });
        }
      });
      // The pending block differs between the networks (see README): take the hashes once mined.
      const block = (await r.rpc("eth_getBlockByNumber", ["latest", false])) as {
        transactions: Hex[];
      };
      assert.equal(block.transactions.length, 4);
      for (const [i, hash] of block.transactions.entries())
        await traceAll(r, `transaction ${i}`, hash);
    },
    check(o) {
      const pre = resultOf<Record<string, { storage?: Record<string, string> }>>(
        o,
        "transaction 2: prestateTracer",
      );
      const slots = Object.values(pre).flatMap((a) => Object.values(a.storage ?? {}));
      // Transaction 1 stored 0 after transaction 0 stored 11: transaction 2 sees 0 in slot 0.
      assert.ok(slots.includes(`0x${"0".repeat(64)}`));
      assert.equal(
        resultOf<{ post: object }>(o, "transaction 3: prestateTracer diff").post !== undefined,
        true,
      );
    },
  },
  {
    name: "debug_traceTransaction: a transaction that runs out of gas",
    async run(r) {
      const counter = await r.deploy("deploy counter", A(0), "NetCounter");
      await r.send("burn with too little gas", {
        from: A(1),
        to: counter,
        gas: 65_536n,
        data: await encodeCall("NetCounter", "burn", [10n]),
      });
      await traceAll(r, "burn", await lastTransaction(r));
    },
    check(o) {
      const logs = resultOf<StructLogs>(o, "burn: struct logs").structLogs as Array<{
        error?: string;
      }>;
      assert.equal(logs.at(-1)?.error, "Some(OutOfGas)");
      assert.equal(resultOf<Frame>(o, "burn: callTracer").error, "out of gas");
    },
  },
  {
    name: "debug_traceCall and the errors of debug_trace*",
    async run(r) {
      const target = await r.deploy("deploy target", A(0), "NetTarget");
      const caller = await r.deploy("deploy caller", A(0), "NetCaller");
      await r.send("callSet", {
        from: A(1),
        to: caller,
        data: await encodeCall("NetCaller", "callSet", [target, 5n]),
      });
      const call = {
        from: A(1),
        to: caller,
        data: await encodeCall("NetCaller", "callSet", [target, 6n]),
      };
      await r.record("traceCall", "debug_traceCall", [call, "latest"]);
      await r.record("traceCall without a block", "debug_traceCall", [call]);
      await r.record("traceCall callTracer", "debug_traceCall", [
        call,
        "latest",
        { tracer: "callTracer" },
      ]);
      await r.record("traceCall at block 2, prestate", "debug_traceCall", [
        call,
        "0x2",
        { tracer: "prestateTracer" },
      ]);
      await r.record("traceCall with a gas price, prestate", "debug_traceCall", [
        { from: A(3), to: target, gasPrice: "0x3b9aca00", value: "0x5" },
        "latest",
        { tracer: "prestateTracer" },
      ]);
      await r.record("traceCall of a bubbled revert", "debug_traceCall", [
        {
          from: A(1),
          to: caller,
          data: await encodeCall("NetCaller", "callAndBubble", [target, 7n]),
        },
        "pending",
        { tracer: "callTracer" },
      ]);
      await r.record("traceCall at an unknown block", "debug_traceCall", [call, "0x999"]);
      const hash = await lastTransaction(r);
      await r.record("unknown transaction", "debug_traceTransaction", [`0x${"11".repeat(32)}`]);
      await r.record("a JavaScript tracer", "debug_traceTransaction", [hash, { tracer: "{}" }]);
      await r.record("an unknown tracer name", "debug_traceTransaction", [
        hash,
        { tracer: "fooTracer" },
      ]);
      await r.record("a bad callTracer config", "debug_traceTransaction", [
        hash,
        { tracer: "callTracer", tracerConfig: { onlyTopCall: 5 } },
      ]);
      await r.record("a bad prestateTracer config", "debug_traceTransaction", [
        hash,
        { tracer: "prestateTracer", tracerConfig: { diffMode: "yes" } },
      ]);
      await r.record("noopTracer", "debug_traceTransaction", [hash, { tracer: "noopTracer" }]);
    },
    check(o) {
      assert.equal(resultOf<StructLogs>(o, "traceCall").failed, false);
      assert.equal(resultOf<Frame>(o, "traceCall of a bubbled revert").error, "execution reverted");
      assert.equal(step(o, "traceCall at an unknown block").error?.code, -32000);
      assert.equal(step(o, "unknown transaction").error?.code, -32000);
      assert.equal(step(o, "a JavaScript tracer").error?.message, "JS Tracer is not enabled");
      assert.equal(step(o, "a bad callTracer config").error?.message, "invalid tracer config");
    },
  },
];
