/**
 * Declared access lists (docs/design.md §5): storage-slot math, the `@custom:reads` / `@custom:writes`
 * annotation language, manifests, run-time declarations, EIP-2930 access lists and slot decoding.
 * No Hardhat dependency.
 *
 * The public surface is listed here by name; helpers used only inside the package (tokenizer,
 * NatSpec scanner, edit distances, pattern predicates) are imported from their own files.
 */

// Storage-slot math (Solidity's storage layout rules).
export {
  SLOT_MODULUS,
  slotToHex,
  toSlot,
  addSlots,
  encodeMappingKey,
  encodeWord,
  mappingSlot,
  dataSlot,
  elementPosition,
  dynamicArrayElementSlot,
  extractPacked,
} from "./slots.ts";
export type { KeyValue, ElementPosition } from "./slots.ts";

// solc storage layouts.
export { StorageLayoutError, describeType, findVariable } from "./layout.ts";
export type { StorageEntry, StorageType, StorageLayout, TypeKind, TypeInfo } from "./layout.ts";

// The annotation language: parsing, resolution against a layout, instantiation for one call.
export { AnnotationProblem, AnnotationError } from "./errors.ts";
export type { AnnotationErrorCode, AnnotationSite } from "./errors.ts";
export {
  parseAnnotation,
  parseCalls,
  formatKey,
  formatLocation,
  formatCall,
} from "./parse.ts";
export type { Span, KeyNode, AccessorNode, LocationNode, CallNode, GuardNode } from "./parse.ts";
export type {
  KeyTerm,
  PatternStep,
  SlotPattern,
  Guard,
  CallPattern,
  CallTarget,
} from "./pattern.ts";
export { registerKeyFunction, getKeyFunction, keyFunctionNames } from "./key-functions.ts";
export type { KeyFunctionTarget, TypedValue, KeyFunction } from "./key-functions.ts";
export { resolveAnnotation, resolveLocation } from "./resolve.ts";
export type { FunctionContext, ResolveOptions } from "./resolve.ts";
export {
  ENUMERATION_LIMIT,
  MissingContextError,
  instantiate,
  instantiateAll,
} from "./instantiate.ts";
export type {
  CallContext,
  Preimages,
  SlotsInstance,
  MatcherInstance,
  PatternInstance,
} from "./instantiate.ts";
export { slotsOf } from "./expression.ts";
export type { ExpressionContext } from "./expression.ts";

// Manifests: built from solc output, written beside the artifacts, read back.
export {
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  ManifestError,
  serializeManifest,
  parseManifest,
  readManifest,
  writeManifest,
  manifestPathForArtifact,
  effectiveDeclaration,
} from "./manifest.ts";
export type {
  DeclarationSite,
  FunctionAccess,
  ContractAnnotation,
  AccessManifest,
  EffectiveDeclaration,
} from "./manifest.ts";
export { defaultDisplayName, buildAccessManifests } from "./solc-output.ts";
export type {
  SolcInputLike,
  SolcOutputLike,
  BuildManifestsOptions,
  BuildManifestsResult,
} from "./solc-output.ts";

// Using declarations: per call frame (engine), as EIP-2930 access lists (clients).
export { compileManifestForRuntime, evaluateGuard } from "./runtime.ts";
export type {
  FrameDeclaration,
  RuntimeDeclarations,
  FrameState,
  EvaluatedCall,
  CallArgument,
} from "./runtime.ts";

// Declared calls into other contracts (`@custom:calls`), composed from the callees' manifests.
export { resolveCalls } from "./resolve-calls.ts";
export type { CallScope, CallScopeContract, CallScopeVariable } from "./resolve-calls.ts";
export {
  MAX_CALL_DEPTH,
  composeCalls,
  composedAllows,
  undeclaredCallees,
  formatUndeclaredCallee,
} from "./calls.ts";
export type {
  CallEnvironment,
  CalleeDeclarations,
  CalleeLookup,
  ComposedCalls,
  ComposedStorage,
} from "./calls.ts";
export { declaredAccessList, undeclaredAccesses } from "./access-list.ts";
export type { DeclaredAccessListParameters, DeclaredAccessList } from "./access-list.ts";

// Naming slots by a layout (reports, errors).
export { createSlotDecoder, decodeSlot, shortenLabel } from "./decode.ts";
export type { CandidateKey, SlotVariable, DecodedSlot, SlotDecoderOptions } from "./decode.ts";
