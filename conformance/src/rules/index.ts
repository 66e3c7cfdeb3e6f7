/** The conformance rules, by protocol, and the rule engine's types. */
import { c1218DecodeRule } from './c1218/decoding.js';
import { c1218CrcRule, c1218ToggleRule } from './c1218/framing.js';
import { c1222CanonicalRule } from './c1222/canonical.js';
import { c1222DecodeRule, c1222MacRule, c1222PairingRule } from './c1222/rules.js';
import { captureDiscardedRule, captureGapRule } from './capture.js';
import { captureXmlTranslatedRule } from './capture-xml.js';
import { dlmsBlockNumberRule } from './dlms/block.js';
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
import { sepCanonicalRule } from './ieee2030-5/canonical.js';
import { sepEventResponseRule } from './ieee2030-5/events.js';
import { sepDecodeRule, sepHrefRule, sepListPagingRule, sepSchemaRule } from './ieee2030-5/rules.js';
import { sepXsdValidRule } from './ieee2030-5/xsd.js';
import type { AnyRule } from './rule.js';

export * from './analyse.js';
export * from './c1218/decoding.js';
export * from './c1218/framing.js';
export * from './c1222/canonical.js';
export * from './c1222/rules.js';
export * from './capture.js';
export * from './capture-xml.js';
export * from './dlms/block.js';
export * from './dlms/decoding.js';
export * from './dlms/framing.js';
export * from './dlms/hls.js';
export * from './dlms/security.js';
export * from './dlms/session.js';
export * from './ieee2030-5/canonical.js';
export * from './ieee2030-5/events.js';
export * from './ieee2030-5/rules.js';
export * from './ieee2030-5/xml-tree.js';
export * from './ieee2030-5/xsd.js';
export * from './ieee2030-5/xsd-sync.js';
export * from './rule.js';

/** Every rule, in report order (capture, then by protocol and layer). */
export const ALL_RULES: readonly AnyRule[] = [
  captureDiscardedRule,
  captureGapRule,
  captureXmlTranslatedRule,
  dlmsHdlcCheckSequenceRule,
  dlmsLengthRule,
  dlmsHdlcSequenceRule,
  dlmsHdlcWindowRule,
  dlmsApduDecodeRule,
  dlmsApduCanonicalRule,
  dlmsAssociationFirstRule,
  dlmsInvokeIdRule,
  dlmsPduSizeRule,
  dlmsBlockNumberRule,
  dlmsSecurityTagRule,
  dlmsInvocationCounterRule,
  dlmsHlsRule,
  c1218CrcRule,
  c1218ToggleRule,
  c1218DecodeRule,
  c1222DecodeRule,
  c1222CanonicalRule,
  c1222MacRule,
  c1222PairingRule,
  sepDecodeRule,
  sepCanonicalRule,
  sepSchemaRule,
  sepListPagingRule,
  sepHrefRule,
  sepXsdValidRule,
  sepEventResponseRule,
] as readonly AnyRule[];

/** Looks a rule up by id. */
export function ruleById(id: string): AnyRule | undefined {
  return ALL_RULES.find((r) => r.id === id);
}
