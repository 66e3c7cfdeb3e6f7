/**
 * XML Schema validation of IEEE 2030.5 documents against a user-supplied sep.xsd (and CSIP-AUS
 * schemas) through libxml2's xmllint compiled to WebAssembly (`xmllint-wasm`). sep.xsd is IEEE's
 * and not shipped with meterkit: pass the paths of your copies.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ErrorCode, MeterkitError } from '@meterkit/core';
import { Ieee20305ErrorCode } from '../errors.js';

/** Options of `validateXml`. */
export interface ValidateXmlOptions {
  /**
   * Schema files. The first is the schema validated against (sep.xsd, or csipaus-core-v1.3.xsd for
   * CSIP-AUS documents); the others are made available by file name to its xs:import / xs:redefine.
   */
  readonly schemaPaths: readonly string[];
}

/** One problem xmllint reported. */
export interface ValidationProblem {
  /** Message without file name. */
  readonly message: string;
  /** Line in the document, when xmllint gave one. */
  readonly line?: number;
  /** Index of the document the problem is in (when several were validated at once). */
  readonly document?: number;
}

/** The outcome of `validateXml`. */
export interface ValidationResult {
  /** Whether the document is valid against the schemas. */
  readonly valid: boolean;
  /** What xmllint reported (empty when valid). */
  readonly problems: readonly ValidationProblem[];
}

/**
 * Validates `xml` (one document, or several in one xmllint run) against the schemas at
 * `options.schemaPaths` with xmllint (W3C XML Schema 1.0). `valid` is true only when every document
 * is valid. Throws `MeterkitError` (InputUnreadable) when a schema cannot be read.
 */
export async function validateXml(
  xml: string | readonly string[],
  options: ValidateXmlOptions,
): Promise<ValidationResult> {
  if (options.schemaPaths.length === 0) {
    throw new MeterkitError(ErrorCode.InvalidArgument, 'validateXml needs at least one schema path');
  }
  const files = await Promise.all(
    options.schemaPaths.map(async (p) => {
      try {
        return { fileName: basename(p), contents: await readFile(p, 'utf8') };
      } catch (e) {
        throw new MeterkitError(ErrorCode.InputUnreadable, `cannot read schema ${p}`, { cause: e });
      }
    }),
  );
  const { validateXML } = await import('xmllint-wasm');
  const [schema, ...preload] = files;
  const result = await validateXML({
    xml: (typeof xml === 'string' ? [xml] : xml).map((contents, i) => ({
      fileName: `document-${i}.xml`,
      contents,
    })),
    schema: schema as { fileName: string; contents: string },
    preload,
    initialMemoryPages: 512,
    maxMemoryPages: 2048,
  });
  return {
    valid: result.valid,
    problems: result.errors.map((e) => {
      if (e.loc === null) return { message: e.message };
      const m = /^document-(\d+)\.xml$/.exec(e.loc.fileName);
      return m === null
        ? { message: e.message, line: e.loc.lineNumber }
        : { message: e.message, line: e.loc.lineNumber, document: Number(m[1]) };
    }),
  };
}

/** Like `validateXml`, but throws `MeterkitError` (SchemaValidationFailed) when the document is invalid. */
export async function assertValidXml(xml: string, options: ValidateXmlOptions): Promise<void> {
  const result = await validateXml(xml, options);
  if (!result.valid) {
    const first = result.problems[0];
    throw new MeterkitError(
      Ieee20305ErrorCode.SchemaValidationFailed,
      first?.message ?? 'document is not valid',
      {
        ...(first?.line === undefined ? {} : { path: `line ${first.line}` }),
      },
    );
  }
}
