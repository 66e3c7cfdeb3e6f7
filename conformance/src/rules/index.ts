/** The conformance rules, by protocol, and the rule engine's types. */
import { c1218CrcRule, c1218ToggleRule } from './c1218/framing.js';
import { c1222DecodeRule, c1222MacRule, c1222PairingRule } from './c1222/rules.js';
import { captureDiscardedRule, captureGapRule } from './capture.js';
import { dlmsApduCanonicalRule, dlmsApduDecodeRule } from './dlms/decoding.js';
import {
  dlmsHdlcCheckSequenceRule,
  dlmsHdlcSequenceRule,
  dlmsHdlcWindowRule,
  dlmsLengthRule,
} from './dlms/framing.js';
import { dlmsHlsRule } from './dlms/hls.js';
import { dlmsInvocationCounterRule, dlmsSecurityTagRule } from './dlms/security.js';
import { dlmsAssociationFirstRule, dlmsInvokeIdRule, dlmsPduSizeRule } from './dlms/session.js';
import { sepDecodeRule, sepHrefRule, sepListPagingRule, sepSchemaRule } from './ieee2030-5/rules.js';
import type { AnyRule } from './rule.js';

export * from './analyse.js';
export * from './c1218/framing.js';
export * from './c1222/rules.js';
export * from './capture.js';
export * from './dlms/decoding.js';
export * from './dlms/framing.js';
export * from './dlms/hls.js';
export * from './dlms/security.js';
export * from './dlms/session.js';
export * from './ieee2030-5/rules.js';
export * from './rule.js';

/** Every rule, in report order (capture, then by protocol and layer). */
export const ALL_RULES: readonly AnyRule[] = [
  captureDiscardedRule,
  captureGapRule,
  dlmsHdlcCheckSequenceRule,
  dlmsLengthRule,
  dlmsHdlcSequenceRule,
  dlmsHdlcWindowRule,
  dlmsApduDecodeRule,
  dlmsApduCanonicalRule,
  dlmsAssociationFirstRule,
  dlmsInvokeIdRule,
  dlmsPduSizeRule,
  dlmsSecurityTagRule,
  dlmsInvocationCounterRule,
  dlmsHlsRule,
  c1218CrcRule,
  c1218ToggleRule,
  c1222DecodeRule,
  c1222MacRule,
  c1222PairingRule,
  sepDecodeRule,
  sepSchemaRule,
  sepListPagingRule,
  sepHrefRule,
] as readonly AnyRule[];

/** Looks a rule up by id. */
export function ruleById(id: string): AnyRule | undefined {
  return ALL_RULES.find((r) => r.id === id);
}
