export * from "./client-command";
export * from "./client-errors";
export * from "./client-ops";
export { checkOnlyFields, isPlainObject, readObject, type Fields } from "./fields";
export { jsonDepthExceeds, jsonTextDepthExceeds, maxJsonDepth } from "./json-depth";
export { decodeWire, encodeWire, encodeWireChecked, frameWireBody, internalClientId, isRaftFrame, refusedRequestId, wireChecksumBytes, type WireCodecOptions } from "./wire";
export { wireError, type WireErrorCode } from "./wire-errors";
export { maxErrorTextChars } from "./wire-response";
export * from "./wire-types";
