/**
 * Where tests find sep.xsd and the CSIP-AUS schemas: `../shared/vectors/ieee2030-5/` next to the
 * repository (IEEE's sep.xsd may not be committed). Tests that need them skip when they are absent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Directory holding sep.xsd and csipaus-*.xsd. */
export const SCHEMA_DIR = join(REPO_ROOT, '..', 'shared', 'vectors', 'ieee2030-5');
/** sep.xsd path. */
export const SEP_XSD = join(SCHEMA_DIR, 'sep.xsd');
/** CSIP-AUS core (redefines sep.xsd) path. */
export const CSIPAUS_CORE_XSD = join(SCHEMA_DIR, 'csipaus-core-v1.3.xsd');
/** CSIP-AUS extension elements path. */
export const CSIPAUS_EXT_XSD = join(SCHEMA_DIR, 'csipaus-ext-v1.3.xsd');

/** Whether the schemas are present. */
export const HAVE_SCHEMAS =
  existsSync(SEP_XSD) && existsSync(CSIPAUS_CORE_XSD) && existsSync(CSIPAUS_EXT_XSD);

/** Skip option for tap when the schemas are missing. */
export const SKIP_WITHOUT_SCHEMAS: string | false = HAVE_SCHEMAS
  ? false
  : `sep.xsd / CSIP-AUS schemas not found under ${SCHEMA_DIR} (IEEE's sep.xsd is not in the repository)`;

/** Schema paths for `validateXml`: plain sep.xsd, or the CSIP-AUS v1.3 set. */
export function schemaPathsFor(csipaus: boolean): string[] {
  return csipaus ? [CSIPAUS_CORE_XSD, CSIPAUS_EXT_XSD, SEP_XSD] : [SEP_XSD];
}
