/**
 * The single-key KV commands and the fields each carries: the commands that
 * have compact encodings (client-binary.ts on the wire, envelope-compact.ts in
 * the log), where the code of a command is its position in this list.
 */
export const singleKeyCommandTypes = ["get", "put", "delete", "cas"] as const;
export type SingleKeyCommandType = (typeof singleKeyCommandTypes)[number];

export const singleKeyCommandFields: Record<SingleKeyCommandType, readonly string[]> = {
  get: ["type", "key"],
  put: ["type", "key", "value"],
  delete: ["type", "key"],
  cas: ["type", "key", "expected", "value"],
};
