/**
 * @meterkit/cli — the `meterkit` command line. `runCli` runs it in-process (tests, embedders).
 */
export { runCli, VERSION } from './cli.js';
export type { CommandContext } from './commands/context.js';
export { detectProtocol } from './decode/detect.js';
export type {
  DecodeContext,
  DecodedLayer,
  DecodeResult,
  ProtocolDecoder,
  ProtocolName,
} from './decode/protocol-decoder.js';
export { PROTOCOLS } from './decode/protocol-decoder.js';
export { availableProtocols, decoderFor, registerDecoder } from './decode/registry.js';
export { ExitCode, exitCodeFor } from './exit-codes.js';
export type { DecodeInput } from './input.js';
export { parseKeys, readDecodeInput } from './input.js';
export type { CliIo } from './io.js';
export { nodeIo } from './io.js';
export { renderTree } from './output/tree.js';
