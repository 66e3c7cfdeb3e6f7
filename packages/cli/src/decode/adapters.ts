/**
 * Plugs every protocol package that has landed its codec into `meterkit decode` (and the demo).
 */
import { dlmsDecoder } from './dlms.js';
import { ieee20305Decoder } from './ieee2030-5.js';
import { registerDecoder } from './registry.js';

registerDecoder(dlmsDecoder);
registerDecoder(ieee20305Decoder);
