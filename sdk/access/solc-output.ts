/**
 * From a solc standard-JSON compilation (input + output) to access manifests and annotation
 * errors. This is what the build hook runs after every compilation; tests and scripts can run it
 * on `solc.compile(...)` output directly.
 *
 * Needs, per contract, the outputs `abi` and `storageLayout`, plus the source-level `ast` and the
 * source texts of the input. Annotations are read from the AST's documentation nodes and the
 * source text (not from `devdoc`, which concatenates repeated tags and drops line information):
 * - function annotations: the first declaration, in C3 linearisation order (most-derived first),
 *   of the function's selector that carries `@custom:reads` or `@custom:writes` — so overrides
 *   without tags inherit those of the base or interface declaration;
 * - contract-level annotations: the tags on the contract and on every base contract;
 * - public state variables without a function of their own get their getter declared
 *   automatically (`reads` of the variable at the getter's keys).
 * Manifests are produced for deployable contracts only (not interfaces, libraries or abstract
 * contracts), whose layouts give names their meaning.
 */
import {
  type AbiFunction,
  type AbiParameter,
  type Hex,
  toFunctionSelector,
  toFunctionSignature,
} from "viem";

import { AnnotationError, AnnotationProblem, editDistance } from "./errors.ts";
import { describeType, type StorageLayout } from "./layout.ts";
import {
  findNamespacedStructs,
  type LayoutAstNode,
  NamespacedLayoutError,
  withNamespacedStructs,
} from "./namespaced-layout.ts";
import {
  type AccessManifest,
  type ContractAnnotation,
  type FunctionAccess,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
} from "./manifest.ts";
import { type NatspecTag, readNatspecTags, SourceText, tagPosition } from "./natspec.ts";
import type { CallPattern, SlotPattern } from "./pattern.ts";
import { type FunctionContext, resolveAnnotation } from "./resolve.ts";
import { type CallScope, type CallScopeVariable, resolveCalls } from "./resolve-calls.ts";

/** The parts of a solc standard-JSON input this module reads. */
export interface SolcInputLike {
  sources: Record<string, { content?: string }>;
}

/** The parts of a solc standard-JSON output this module reads. */
export interface SolcOutputLike {
  sources?: Record<string, { id?: number; ast?: unknown }>;
  contracts?: Record<
    string,
    Record<
      string,
      {
        abi?: unknown[];
        storageLayout?: StorageLayout;
        /** For `@custom:calls` on immutables: where each immutable sits in the runtime code. */
        evm?: {
          deployedBytecode?: {
            immutableReferences?: Record<string, Array<{ start: number; length: number }>>;
          };
        };
      }
    >
  >;
}

export interface BuildManifestsOptions {
  /**
   * Maps a solc input source name to the file name shown in errors and stored as `sourceName`.
   * Default: strips Hardhat's `project/` prefix.
   */
  displayName?: (inputSourceName: string) => string;
  /** Restrict to these contracts (default: every deployable contract in the output). */
  contracts?: ReadonlyArray<{ inputSourceName: string; contractName: string }>;
  /** Stored in the manifests (Hardhat's build info id). */
  buildInfoId?: string;
}

export interface BuildManifestsResult {
  manifests: AccessManifest[];
  /** Bad annotations, deduplicated (a base contract's error is reported once). */
  errors: AnnotationError[];
  /** Contracts that got no manifest and why (e.g. missing `storageLayout`). */
  skipped: Array<{ inputSourceName: string; contractName: string; reason: string }>;
}

interface AstNode {
  id: number;
  nodeType: string;
  src: string;
  name?: string;
  [key: string]: unknown;
}

interface Documentation {
  src: string;
  text?: string;
}

interface ContractNode extends AstNode {
  contractKind: "contract" | "interface" | "library";
  abstract?: boolean;
  linearizedBaseContracts: number[];
  nodes: AstNode[];
  documentation?: Documentation | null;
}

/** What resolving `@custom:calls` needs beyond the contract's own layout. */
interface CallBuildContext {
  immutableReferences?: Record<string, Array<{ start: number; length: number }>>;
  abiOf(contract: IndexedContract): AbiFunction[] | undefined;
}

interface IndexedContract {
  node: ContractNode;
  inputSourceName: string;
}

/** Default {@link BuildManifestsOptions.displayName}: `project/contracts/A.sol` → `contracts/A.sol`. */
export const defaultDisplayName = (inputSourceName: string): string =>
  inputSourceName.startsWith("project/")
    ? inputSourceName.slice("project/".length)
    : inputSourceName;

const TAGS = {
  "custom:reads": "reads",
  "custom:writes": "writes",
  "custom:calls": "calls",
} as const;

/**
 * Builds the access manifests of a compilation and collects its annotation errors.
 *
 * @param input solc standard-JSON input (for the source texts).
 * @param output solc standard-JSON output with `abi`, `storageLayout` and the `ast`.
 * @returns manifests of contracts whose annotations are all valid, errors of the others, and the
 *   contracts skipped for lack of compiler output. Never throws on bad annotations.
 */
export function buildAccessManifests(
  input: SolcInputLike,
  output: SolcOutputLike,
  options: BuildManifestsOptions = {},
): BuildManifestsResult {
  const displayName = options.displayName ?? defaultDisplayName;
  const contracts = indexContracts(output);
  const declarations = indexTypeDeclarations(output);
  const sourceTexts = new Map<string, SourceText>();
  const sourceText = (name: string): SourceText | undefined => {
    let text = sourceTexts.get(name);
    const content = input.sources[name]?.content;
    if (text === undefined && content !== undefined) {
      text = new SourceText(content);
      sourceTexts.set(name, text);
    }
    return text;
  };

  const result: BuildManifestsResult = { manifests: [], errors: [], skipped: [] };
  const seenErrors = new Set<string>();
  const wanted =
    options.contracts ??
    Object.entries(output.contracts ?? {}).flatMap(([inputSourceName, byName]) =>
      Object.keys(byName).map((contractName) => ({ inputSourceName, contractName })),
    );

  for (const { inputSourceName, contractName } of wanted) {
    const compiled = output.contracts?.[inputSourceName]?.[contractName];
    const indexed = [...contracts.values()].find(
      (c) => c.inputSourceName === inputSourceName && c.node.name === contractName,
    );
    if (compiled === undefined || indexed === undefined) {
      result.skipped.push({
        inputSourceName,
        contractName,
        reason: "not in the compiler output (or its AST)",
      });
      continue;
    }
    if (indexed.node.contractKind !== "contract" || indexed.node.abstract === true) continue;
    if (compiled.storageLayout === undefined) {
      result.skipped.push({
        inputSourceName,
        contractName,
        reason: "the compiler output has no storageLayout",
      });
      continue;
    }
    let layout: StorageLayout;
    try {
      layout = namespacedLayout(indexed, compiled.storageLayout, contracts, declarations);
    } catch (error) {
      if (!(error instanceof NamespacedLayoutError)) throw error;
      result.skipped.push({ inputSourceName, contractName, reason: error.message });
      continue;
    }
    const builder = new ContractManifestBuilder(
      indexed,
      layout,
      (compiled.abi ?? []) as Array<{ type: string }>,
      contracts,
      sourceText,
      displayName,
      {
        immutableReferences: compiled.evm?.deployedBytecode?.immutableReferences,
        abiOf: (c) =>
          output.contracts?.[c.inputSourceName]?.[c.node.name!]?.abi as AbiFunction[] | undefined,
      },
    );
    const { manifest, errors } = builder.build();
    for (const error of errors) {
      const key = `${error.file}:${error.line}:${error.column}:${error.detail}`;
      if (seenErrors.has(key)) continue;
      seenErrors.add(key);
      result.errors.push(error);
    }
    if (errors.length === 0) {
      if (options.buildInfoId !== undefined) manifest.buildInfoId = options.buildInfoId;
      result.manifests.push(manifest);
    }
  }
  return result;
}

function indexContracts(output: SolcOutputLike): Map<number, IndexedContract> {
  const contracts = new Map<number, IndexedContract>();
  for (const [inputSourceName, source] of Object.entries(output.sources ?? {})) {
    const ast = source.ast as { nodes?: AstNode[] } | undefined;
    for (const node of ast?.nodes ?? []) {
      if (node.nodeType === "ContractDefinition")
        contracts.set(node.id, { node: node as ContractNode, inputSourceName });
    }
  }
  return contracts;
}

/** Every struct, enum, contract and user-defined value type of the compilation, by AST id. */
function indexTypeDeclarations(output: SolcOutputLike): Map<number, LayoutAstNode> {
  const declarations = new Map<number, LayoutAstNode>();
  const kinds = new Set([
    "StructDefinition",
    "EnumDefinition",
    "ContractDefinition",
    "UserDefinedValueTypeDefinition",
  ]);
  for (const source of Object.values(output.sources ?? {})) {
    const ast = source.ast as { nodes?: LayoutAstNode[] } | undefined;
    for (const node of ast?.nodes ?? []) {
      if (kinds.has(node.nodeType)) declarations.set(node.id, node);
      if (node.nodeType !== "ContractDefinition") continue;
      for (const child of (node.nodes as LayoutAstNode[] | undefined) ?? [])
        if (kinds.has(child.nodeType)) declarations.set(child.id, child);
    }
  }
  return declarations;
}

/**
 * The contract's layout with the EIP-7201 namespaced structs of it and its bases added
 * (`namespaced-layout.ts`): they can then be named in annotations and decoded in reports.
 * @throws {NamespacedLayoutError} when a namespaced struct cannot be laid out.
 */
function namespacedLayout(
  contract: IndexedContract,
  layout: StorageLayout,
  contracts: Map<number, IndexedContract>,
  declarations: Map<number, LayoutAstNode>,
): StorageLayout {
  const lineage = contract.node.linearizedBaseContracts
    .map((id) => contracts.get(id))
    .filter((c): c is IndexedContract => c !== undefined)
    .map((c) => ({
      node: c.node as unknown as { nodes: LayoutAstNode[] },
      fqn: `${c.inputSourceName}:${c.node.name}`,
    }));
  const owner = `${contract.inputSourceName}:${contract.node.name}`;
  return withNamespacedStructs(layout, findNamespacedStructs(lineage), owner, declarations);
}

const collapse = (text: string): string => text.replace(/\s+/g, " ").trim();

class ContractManifestBuilder {
  readonly #errors: AnnotationError[] = [];
  readonly #bases: IndexedContract[];
  readonly #nonStorage: Record<string, "constant" | "immutable" | "transient"> = {};

  readonly contract: IndexedContract;
  readonly layout: StorageLayout;
  readonly abi: Array<{ type: string }>;
  readonly sourceText: (inputSourceName: string) => SourceText | undefined;
  readonly displayName: (inputSourceName: string) => string;
  readonly #contracts: Map<number, IndexedContract>;
  readonly #callContext: CallBuildContext;

  constructor(
    contract: IndexedContract,
    layout: StorageLayout,
    abi: Array<{ type: string }>,
    contracts: Map<number, IndexedContract>,
    sourceText: (inputSourceName: string) => SourceText | undefined,
    displayName: (inputSourceName: string) => string,
    callContext: CallBuildContext,
  ) {
    this.#contracts = contracts;
    this.#callContext = callContext;
    this.contract = contract;
    this.layout = layout;
    this.abi = abi;
    this.sourceText = sourceText;
    this.displayName = displayName;
    this.#bases = contract.node.linearizedBaseContracts
      .map((id) => contracts.get(id))
      .filter((c): c is IndexedContract => c !== undefined);
    for (const base of this.#bases) {
      for (const node of base.node.nodes) {
        if (
          node.nodeType !== "VariableDeclaration" ||
          node.stateVariable !== true ||
          node.name === undefined
        )
          continue;
        if (node.constant === true || node.mutability === "constant")
          this.#nonStorage[node.name] = "constant";
        else if (node.mutability === "immutable") this.#nonStorage[node.name] = "immutable";
        else if (node.mutability === "transient" || node.storageLocation === "transient")
          this.#nonStorage[node.name] = "transient";
      }
    }
  }

  get #name(): string {
    return this.contract.node.name!;
  }

  build(): { manifest: AccessManifest; errors: AnnotationError[] } {
    const contractLevel = this.#contractLevel();
    const functions: Record<Hex, FunctionAccess> = {};
    for (const item of this.abi) {
      if (item.type !== "function") continue;
      const fn = item as AbiFunction;
      const selector = toFunctionSelector(fn).toLowerCase() as Hex;
      functions[selector] = this.#function(fn, selector);
    }
    const manifest: AccessManifest = {
      _format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      contractName: this.#name,
      sourceName: this.displayName(this.contract.inputSourceName),
      inputSourceName: this.contract.inputSourceName,
      contract: contractLevel,
      functions,
      storageLayout: this.layout,
    };
    if (this.abi.some((item) => item.type === "fallback")) manifest.fallback = true;
    return { manifest, errors: this.#errors };
  }

  #tags(
    owner: IndexedContract,
    documentation: Documentation | null | undefined,
    signature?: string,
  ): NatspecTag[] {
    if (documentation === undefined || documentation === null) return [];
    const source = this.sourceText(owner.inputSourceName);
    if (source === undefined) return [];
    const tags = readNatspecTags(source, documentation.src);
    for (const tag of tags) {
      const tail = tag.name.startsWith("custom:") ? tag.name.slice("custom:".length) : undefined;
      if (tail === undefined || tail === "reads" || tail === "writes" || tail === "calls") continue;
      const near = ["reads", "writes", "calls"].find((t) => editDistance(tail, t) <= 1);
      if (near !== undefined) {
        this.#report(
          new AnnotationProblem(
            "unknown-tag",
            `unknown tag @${tag.name}`,
            tag.content.length - tag.content.trimStart().length,
            tag.content.length,
            `did you mean @custom:${near}?`,
          ),
          owner,
          tag,
          near as "reads" | "writes" | "calls",
          signature,
        );
      }
    }
    return tags.filter((tag) => tag.name in TAGS);
  }

  #report(
    problem: AnnotationProblem,
    owner: IndexedContract,
    tag: NatspecTag,
    kind: "reads" | "writes" | "calls",
    signature: string | undefined,
  ): void {
    const position = tagPosition(tag, Math.min(problem.start, tag.content.length));
    this.#errors.push(
      new AnnotationError(problem, {
        file: this.displayName(owner.inputSourceName),
        line: position.line,
        column: position.column,
        tag: kind,
        annotation: collapse(tag.content),
        contract: this.#name,
        function: signature,
        ...(tag.name in TAGS ? {} : { tagName: tag.name }),
      }),
    );
  }

  #resolveTags(
    owner: IndexedContract,
    tags: NatspecTag[],
    fn: FunctionContext | undefined,
  ): {
    reads: SlotPattern[];
    writes: SlotPattern[];
    calls: CallPattern[];
    texts: { reads?: string; writes?: string; calls?: string };
  } {
    const out = {
      reads: [] as SlotPattern[],
      writes: [] as SlotPattern[],
      calls: [] as CallPattern[],
      texts: {} as { reads?: string; writes?: string; calls?: string },
    };
    for (const tag of tags) {
      const kind = TAGS[tag.name as keyof typeof TAGS];
      if (kind === "calls") {
        if (fn === undefined) {
          this.#report(
            new AnnotationProblem(
              "call-target",
              "@custom:calls applies to functions, not to a contract",
              0,
              tag.content.length,
              "move the tag to the functions that make the calls",
            ),
            owner,
            tag,
            kind,
            undefined,
          );
          continue;
        }
        try {
          for (const call of resolveCalls(tag.content, fn, this.layout, this.#callScope(owner)))
            out.calls.push({ ...call, line: tag.line });
        } catch (error) {
          if (!(error instanceof AnnotationProblem)) throw error;
          this.#report(error, owner, tag, kind, fn.signature);
        }
        const text = collapse(tag.content);
        out.texts.calls = out.texts.calls === undefined ? text : `${out.texts.calls}, ${text}`;
        continue;
      }
      try {
        const patterns = resolveAnnotation(tag.content, kind, this.layout, fn, {
          contractName: this.#name,
          nonStorage: this.#nonStorage,
          guardValue: (name) => this.#guardValue(name),
        });
        // Implied locations (the length an index is checked against) are read, never written.
        for (const pattern of patterns)
          out[pattern.implied !== undefined ? "reads" : kind].push(pattern);
      } catch (error) {
        if (!(error instanceof AnnotationProblem)) throw error;
        this.#report(error, owner, tag, kind, fn?.signature);
      }
      const text = collapse(tag.content);
      out.texts[kind] = out.texts[kind] === undefined ? text : `${out.texts[kind]}, ${text}`;
    }
    return out;
  }

  /** A `bool` immutable or constant of the contract, as a guard's value source. */
  #guardValue(
    name: string,
  ): { kind: "immutable"; offsets: number[] } | { kind: "constant"; value: boolean } | undefined {
    for (const base of this.#bases) {
      for (const node of base.node.nodes) {
        if (
          node.nodeType !== "VariableDeclaration" ||
          node.stateVariable !== true ||
          node.name !== name
        )
          continue;
        const variable = node as CallScopeVariable;
        if (variable.typeDescriptions?.typeString !== "bool") return undefined;
        if (variable.constant === true || variable.mutability === "constant") {
          const text = variable.value?.nodeType === "Literal" ? variable.value.value : undefined;
          return text === "true" || text === "false"
            ? { kind: "constant", value: text === "true" }
            : undefined;
        }
        if (variable.mutability !== "immutable") return undefined;
        const offsets = this.#callContext.immutableReferences?.[String(variable.id)]?.map(
          (r) => r.start,
        );
        return offsets === undefined || offsets.length === 0
          ? undefined
          : { kind: "immutable", offsets };
      }
    }
    return undefined;
  }

  /** Names a `@custom:calls` annotation of a function declared in `owner` can use. */
  #callScope(owner: IndexedContract): CallScope {
    const contractOf = (c: IndexedContract | undefined) =>
      c === undefined ? undefined : { name: c.node.name!, abi: this.#callContext.abiOf(c) ?? [] };
    return {
      contractName: this.#name,
      nonStorage: this.#nonStorage,
      guardValue: (name) => this.#guardValue(name),
      variable: (name) => {
        for (const base of this.#bases) {
          for (const node of base.node.nodes) {
            if (
              node.nodeType === "VariableDeclaration" &&
              node.stateVariable === true &&
              node.name === name
            )
              return node as CallScopeVariable;
          }
        }
        return undefined;
      },
      immutableOffsets: (id) =>
        this.#callContext.immutableReferences?.[String(id)]?.map((r) => r.start),
      contractById: (id) => contractOf(this.#contracts.get(id)),
      contractByName: (name) => {
        // The owner's own source first: the name it sees there.
        const all = [...this.#contracts.values()].filter((c) => c.node.name === name);
        return contractOf(all.find((c) => c.inputSourceName === owner.inputSourceName) ?? all[0]);
      },
      contractNames: () => [...new Set([...this.#contracts.values()].map((c) => c.node.name!))],
    };
  }

  #contractLevel(): AccessManifest["contract"] {
    const level: AccessManifest["contract"] = { reads: [], writes: [], annotations: [] };
    for (const base of this.#bases) {
      const tags = this.#tags(base, base.node.documentation);
      if (tags.length === 0) continue;
      const resolved = this.#resolveTags(base, tags, undefined);
      level.reads.push(...resolved.reads);
      level.writes.push(...resolved.writes);
      for (const tag of tags) {
        if (TAGS[tag.name as keyof typeof TAGS] === "calls") continue; // reported by #resolveTags
        const annotation: ContractAnnotation = {
          contract: base.node.name!,
          file: this.displayName(base.inputSourceName),
          line: tag.line,
          tag: TAGS[tag.name as keyof typeof TAGS] as "reads" | "writes",
          text: collapse(tag.content),
        };
        level.annotations.push(annotation);
      }
    }
    return level;
  }

  #function(fn: AbiFunction, selector: Hex): FunctionAccess {
    const signature = toFunctionSignature(fn);
    const base: FunctionAccess = {
      signature,
      name: fn.name,
      inputs: [...fn.inputs],
      stateMutability: fn.stateMutability,
      source: "none",
      reads: [],
      writes: [],
    };
    const hexSelector = selector.slice(2);
    let getter: { owner: IndexedContract; node: AstNode } | undefined;
    for (const owner of this.#bases) {
      for (const node of owner.node.nodes) {
        if (node.functionSelector !== hexSelector) continue;
        if (node.nodeType === "VariableDeclaration") {
          getter ??= { owner, node };
          continue;
        }
        if (node.nodeType !== "FunctionDefinition") continue;
        const tags = this.#tags(
          owner,
          node.documentation as Documentation | null | undefined,
          signature,
        );
        if (tags.length === 0) continue;
        const parameters = (
          (node.parameters as { parameters?: AstNode[] } | undefined)?.parameters ?? []
        ).map((p) => p.name ?? "");
        const inputs: AbiParameter[] = fn.inputs.map((input, i) => ({
          ...input,
          name: parameters[i] ?? input.name,
        }));
        const resolved = this.#resolveTags(owner, tags, {
          signature,
          stateMutability: fn.stateMutability,
          inputs,
        });
        return {
          ...base,
          inputs,
          source: "annotation",
          declaredIn: {
            contract: owner.node.name!,
            file: this.displayName(owner.inputSourceName),
            line: tags[0].line,
          },
          annotations: resolved.texts,
          reads: resolved.reads,
          writes: resolved.writes,
          ...(resolved.calls.length > 0 ? { calls: resolved.calls } : {}),
        };
      }
    }
    if (getter !== undefined) return this.#getter(base, fn, getter.owner, getter.node);
    return base;
  }

  /** A public state variable's getter reads the variable at its keys. */
  #getter(
    base: FunctionAccess,
    fn: AbiFunction,
    owner: IndexedContract,
    node: AstNode,
  ): FunctionAccess {
    const entry = this.layout.storage.find((e) => e.astId === node.id);
    if (entry === undefined) return base;
    let text = entry.label;
    let typeId = entry.type;
    let keys = 0;
    for (;;) {
      const info = describeType(this.layout, typeId);
      if (info.kind === "mapping") typeId = info.value!;
      else if (info.kind === "static-array" || info.kind === "dynamic-array") typeId = info.base!;
      else break;
      text += `[arg${keys++}]`;
    }
    if (keys !== fn.inputs.length) return base;
    const inputs = fn.inputs.map((input, i) => ({ ...input, name: `arg${i}` }));
    let reads: SlotPattern[];
    try {
      reads = resolveAnnotation(text, "reads", this.layout, {
        signature: base.signature,
        stateMutability: "view",
        inputs,
      });
    } catch (error) {
      if (error instanceof AnnotationProblem) return base; // a getter shape this resolver does not model: undeclared
      throw error;
    }
    const source = this.sourceText(owner.inputSourceName);
    const line = source !== undefined ? source.position(source.range(node.src).start).line : 0;
    return {
      ...base,
      inputs,
      source: "getter",
      declaredIn: {
        contract: owner.node.name!,
        file: this.displayName(owner.inputSourceName),
        line,
      },
      annotations: { reads: text },
      reads,
    };
  }
}
