/**
 * Plugs every protocol package that has landed its codec into `meterkit decode` (and the demo).
 */
import { c1218Decoder, c1222Decoder } from './c1222.js';
import { dlmsDecoder } from './dlms.js';
import { ieee20305Decoder } from './ieee2030-5.js';
import { registerDecoder } from './registry.js';

registerDecoder(c1218Decoder);
registerDecoder(c1222Decoder);
registerDecoder(dlmsDecoder);
registerDecoder(ieee20305Decoder);
