/**
 * Generates `src/model/generated/*.ts` from the IEEE 2030.5 schema (sep.xsd) and, optionally, the
 * CSIP-AUS extension schemas (csipaus-core / csipaus-ext).
 *
 *   node --import tsx packages/ieee2030-5/scripts/generate-model.ts <sep.xsd> [csipaus-*.xsd ...]
 *
 * sep.xsd is IEEE's: it is read from the path given and never copied. Only the structural facts
 * (names, types, occurrences, facets) and the short value labels of documented code lists are
 * written out.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import type {
  ComplexTypeMeta,
  ElementMeta,
  EnumerationMeta,
  FieldMeta,
  NamespaceFamily,
  SimpleTypeMeta,
  ValueKind,
} from '../src/model/meta.js';

const SEP_NS = 'urn:ieee:std:2030.5:ns';
const CSIPAUS_NS_PREFIX = 'https://csipaus.org/ns';

interface Node {
  readonly tag: string;
  readonly attrs: Record<string, string>;
  readonly children: Node[];
  readonly text: string;
}

type RawNode = Record<string, unknown>;

function toNodes(raw: unknown): Node[] {
  const out: Node[] = [];
  if (!Array.isArray(raw)) return out;
  for (const item of raw as RawNode[]) {
    let tag = '';
    for (const k of Object.keys(item)) if (k !== ':@') tag = k;
    const attrsRaw = (item[':@'] ?? {}) as Record<string, string>;
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrsRaw)) attrs[k.replace(/^@_/, '')] = String(v);
    if (tag === '#text') {
      out.push({ tag, attrs, children: [], text: String(item[tag]) });
      continue;
    }
    const children = toNodes(item[tag]);
    const text = children
      .filter((c) => c.tag === '#text')
      .map((c) => c.text)
      .join('');
    out.push({ tag, attrs, children: children.filter((c) => c.tag !== '#text'), text });
  }
  return out;
}

function local(tag: string): string {
  const i = tag.indexOf(':');
  return i < 0 ? tag : tag.slice(i + 1);
}

function kid(n: Node, name: string): Node | undefined {
  return n.children.find((c) => local(c.tag) === name);
}

function documentation(n: Node): string | undefined {
  const ann = kid(n, 'annotation');
  if (ann === undefined) return undefined;
  const doc = kid(ann, 'documentation');
  return doc?.text;
}

interface SchemaFile {
  readonly path: string;
  readonly root: Node;
  readonly ns: NamespaceFamily;
  readonly targetNamespace: string;
  /** prefix → namespace URI declared on xs:schema */
  readonly prefixes: Map<string, string>;
}

function parseSchema(path: string): SchemaFile {
  const text = readFileSync(path, 'utf8');
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    processEntities: true,
    commentPropName: false,
  });
  const nodes = toNodes(parser.parse(text));
  const root = nodes.find((n) => local(n.tag) === 'schema');
  if (root === undefined) throw new Error(`${path}: no xs:schema root`);
  const targetNamespace = root.attrs['targetNamespace'] ?? '';
  const prefixes = new Map<string, string>();
  for (const [k, v] of Object.entries(root.attrs)) {
    if (k === 'xmlns') prefixes.set('', v);
    else if (k.startsWith('xmlns:')) prefixes.set(k.slice(6), v);
  }
  const ns: NamespaceFamily = targetNamespace.startsWith(CSIPAUS_NS_PREFIX) ? 1 : 0;
  return { path, root, ns, targetNamespace, prefixes };
}

/** Resolves a QName in a schema to `{ ns family | 'xs', local }`. */
function resolveQName(schema: SchemaFile, qname: string): { ns: NamespaceFamily | 'xs'; name: string } {
  const i = qname.indexOf(':');
  const prefix = i < 0 ? '' : qname.slice(0, i);
  const name = i < 0 ? qname : qname.slice(i + 1);
  const uri = schema.prefixes.get(prefix) ?? (prefix === '' ? schema.targetNamespace : undefined);
  if (uri === undefined) throw new Error(`${schema.path}: undeclared prefix in ${qname}`);
  if (uri === 'http://www.w3.org/2001/XMLSchema') return { ns: 'xs', name };
  if (uri === SEP_NS) return { ns: 0, name };
  if (uri.startsWith(CSIPAUS_NS_PREFIX)) return { ns: 1, name };
  throw new Error(`${schema.path}: unknown namespace ${uri}`);
}

// ----- collected components -------------------------------------------------------------------

interface RawField {
  readonly name: string;
  readonly kind: 'element' | 'attribute';
  readonly ns: NamespaceFamily;
  readonly type: string; // 'xs:xxx' or type name
  readonly minOccurs: number;
  readonly maxOccurs: number;
  readonly default?: string;
  readonly doc?: string;
  readonly declaredIn: string;
  readonly csipausMinOccurs?: number;
}

interface RawComplex {
  readonly name: string;
  readonly ns: NamespaceFamily;
  base?: string;
  simpleBase?: string;
  own: RawField[];
  doc?: string;
}

const complexTypes = new Map<string, RawComplex>();
const simpleTypes = new Map<
  string,
  {
    name: string;
    base: string;
    maxLength?: number;
    minInclusive?: string;
    maxInclusive?: string;
    doc?: string;
  }
>();
const elements = new Map<string, ElementMeta>();
let schemaVersion = '';
const sources: string[] = [];

function typeRef(schema: SchemaFile, qname: string): string {
  const r = resolveQName(schema, qname);
  return r.ns === 'xs' ? `xs:${r.name}` : r.name;
}

function readFields(schema: SchemaFile, owner: string, container: Node, out: RawField[]): void {
  for (const c of container.children) {
    const l = local(c.tag);
    if (l === 'sequence') readFields(schema, owner, c, out);
    else if (l === 'element') {
      let name: string;
      let ns: NamespaceFamily;
      let type: string;
      let doc = documentation(c);
      if (c.attrs['ref'] !== undefined) {
        const r = resolveQName(schema, c.attrs['ref']);
        if (r.ns === 'xs') throw new Error(`bad ref ${c.attrs['ref']}`);
        name = r.name;
        ns = r.ns;
        type = `@ref:${r.ns}:${r.name}`;
      } else {
        name = c.attrs['name'] ?? '';
        ns = schema.ns;
        const t = c.attrs['type'];
        if (t === undefined) throw new Error(`${schema.path}: element ${owner}.${name} without type`);
        type = typeRef(schema, t);
      }
      const maxRaw = c.attrs['maxOccurs'] ?? '1';
      const field: RawField = {
        name,
        kind: 'element',
        ns,
        type,
        minOccurs: Number(c.attrs['minOccurs'] ?? '1'),
        maxOccurs: maxRaw === 'unbounded' ? Number.POSITIVE_INFINITY : Number(maxRaw),
        declaredIn: owner,
        ...(doc === undefined ? {} : { doc }),
      };
      doc = undefined;
      out.push(field);
    } else if (l === 'attribute') {
      const t = c.attrs['type'];
      if (t === undefined) throw new Error(`${schema.path}: attribute without type in ${owner}`);
      const doc = documentation(c);
      out.push({
        name: c.attrs['name'] ?? '',
        kind: 'attribute',
        ns: schema.ns,
        type: typeRef(schema, t),
        minOccurs: c.attrs['use'] === 'required' ? 1 : 0,
        maxOccurs: 1,
        declaredIn: owner,
        ...(c.attrs['default'] === undefined ? {} : { default: c.attrs['default'] }),
        ...(doc === undefined ? {} : { doc }),
      });
    }
  }
}

function readComplexType(schema: SchemaFile, n: Node, redefine: boolean): void {
  const name = n.attrs['name'] ?? '';
  const doc = documentation(n);
  const cc = kid(n, 'complexContent');
  const sc = kid(n, 'simpleContent');
  if (redefine) {
    // xs:redefine: the type is replaced by an extension of its old self; the new fields follow all
    // of the old content, so they are appended to the type's own sequence.
    const existing = complexTypes.get(name);
    if (existing === undefined) throw new Error(`redefine of unknown type ${name}`);
    const ext = cc === undefined ? undefined : kid(cc, 'extension');
    if (ext === undefined) throw new Error(`redefine of ${name} is not an extension`);
    const added: RawField[] = [];
    readFields(schema, name, ext, added);
    // Plain 2030.5 documents never carry the extension elements: they are optional in the merged
    // model, and what the CSIP-AUS profile requires is kept in `csipausMinOccurs`.
    for (const f of added) existing.own.push({ ...f, minOccurs: 0, csipausMinOccurs: f.minOccurs });
    return;
  }
  if (complexTypes.has(name)) throw new Error(`duplicate complexType ${name}`);
  const t: RawComplex = { name, ns: schema.ns, own: [], ...(doc === undefined ? {} : { doc }) };
  if (cc !== undefined) {
    const ext = kid(cc, 'extension');
    if (ext === undefined) throw new Error(`${name}: complexContent without extension`);
    t.base = typeRef(schema, ext.attrs['base'] ?? '');
    readFields(schema, name, ext, t.own);
  } else if (sc !== undefined) {
    const ext = kid(sc, 'extension');
    if (ext === undefined) throw new Error(`${name}: simpleContent without extension`);
    t.simpleBase = typeRef(schema, ext.attrs['base'] ?? '');
    readFields(schema, name, ext, t.own);
  } else {
    readFields(schema, name, n, t.own);
  }
  complexTypes.set(name, t);
}

function readSchema(schema: SchemaFile): void {
  if (schema.root.attrs['version'] !== undefined && schema.ns === 0 && schemaVersion === '') {
    schemaVersion = schema.root.attrs['version'];
  }
  for (const n of schema.root.children) {
    const l = local(n.tag);
    if (l === 'complexType') readComplexType(schema, n, false);
    else if (l === 'simpleType') {
      const r = kid(n, 'restriction');
      if (r === undefined) throw new Error('simpleType without restriction');
      const name = n.attrs['name'] ?? '';
      const st: {
        name: string;
        base: string;
        maxLength?: number;
        minInclusive?: string;
        maxInclusive?: string;
        doc?: string;
      } = {
        name,
        base: typeRef(schema, r.attrs['base'] ?? ''),
      };
      const ml = kid(r, 'maxLength');
      if (ml !== undefined) st.maxLength = Number(ml.attrs['value']);
      const mi = kid(r, 'minInclusive');
      if (mi !== undefined) st.minInclusive = mi.attrs['value'] ?? '';
      const ma = kid(r, 'maxInclusive');
      if (ma !== undefined) st.maxInclusive = ma.attrs['value'] ?? '';
      const doc = documentation(n);
      if (doc !== undefined) st.doc = doc;
      simpleTypes.set(name, st);
    } else if (l === 'element') {
      const name = n.attrs['name'] ?? '';
      elements.set(`${schema.ns}:${name}`, {
        name,
        ns: schema.ns,
        type: typeRef(schema, n.attrs['type'] ?? ''),
      });
    }
  }
}

function readRedefines(schema: SchemaFile): void {
  for (const n of schema.root.children) {
    if (local(n.tag) !== 'redefine') continue;
    for (const c of n.children) if (local(c.tag) === 'complexType') readComplexType(schema, c, true);
  }
}

// ----- resolution -----------------------------------------------------------------------------

const XS_KINDS: Record<string, ValueKind> = {
  'xs:unsignedByte': 'u8',
  'xs:unsignedShort': 'u16',
  'xs:unsignedInt': 'u32',
  'xs:unsignedLong': 'u64',
  'xs:byte': 'i8',
  'xs:short': 'i16',
  'xs:int': 'i32',
  'xs:long': 'i64',
  'xs:boolean': 'boolean',
  'xs:hexBinary': 'hex',
  'xs:string': 'string',
  'xs:anyURI': 'uri',
};

/** Resolves a type name to its value kind and maxLength, following simple bases. */
function resolveSimple(type: string): { value: ValueKind; maxLength?: number } | undefined {
  const xs = XS_KINDS[type];
  if (xs !== undefined) return { value: xs };
  const st = simpleTypes.get(type);
  if (st !== undefined) {
    let value = resolveSimple(st.base)?.value;
    if (value === undefined) throw new Error(`cannot resolve simple type ${type}`);
    // 40- and 48-bit ranges are named after their bit width.
    if (type === 'UInt40') value = 'u40';
    else if (type === 'UInt48') value = 'u48';
    else if (type === 'Int48') value = 'i48';
    const base = resolveSimple(st.base);
    const maxLength = st.maxLength ?? base?.maxLength;
    return maxLength === undefined ? { value } : { value, maxLength };
  }
  const ct = complexTypes.get(type);
  if (ct?.simpleBase !== undefined) return resolveSimple(ct.simpleBase);
  return undefined;
}

function resolveFieldType(f: RawField): { name: string; ns: NamespaceFamily; type: string } {
  if (!f.type.startsWith('@ref:')) return { name: f.name, ns: f.ns, type: f.type };
  const [, nsText, name] = f.type.split(':');
  const el = elements.get(`${nsText}:${name}`);
  if (el === undefined) throw new Error(`unresolved ref ${f.type}`);
  return { name: el.name, ns: el.ns, type: el.type };
}

// Enumerations from documentation: lines "N = meaning", "N - meaning", "N: meaning".
const ENUM_LINE = /^\s*(\d{1,3})\s*(?:=|-|:|–)\s*(\S.*?)\s*$/;

function parseEnumeration(doc: string | undefined, hex: boolean): EnumerationMeta | undefined {
  if (doc === undefined) return undefined;
  const values: Record<number, string> = {};
  let count = 0;
  for (const line of doc.split(/\r?\n/)) {
    const m = ENUM_LINE.exec(line);
    if (m === null) continue;
    const code = Number(m[1]);
    if (values[code] !== undefined) continue;
    let label = (m[2] ?? '').replace(/\s+/g, ' ');
    if (label.length > 80) label = `${label.slice(0, 77).trimEnd()}...`;
    values[code] = label;
    count++;
  }
  if (count < 2) return undefined;
  return { kind: hex ? 'bits' : 'values', values };
}

// ----- main ------------------------------------------------------------------------------------

/** The model derived from the schemas, before it is written out as TypeScript. */
export interface GeneratedModel {
  readonly schemaVersion: string;
  readonly sources: readonly string[];
  readonly csipausUris: ReadonlySet<string>;
  readonly complexTypes: readonly ComplexTypeMeta[];
  readonly simpleTypes: readonly SimpleTypeMeta[];
  readonly elements: readonly ElementMeta[];
  readonly enumerations: ReadonlyMap<string, EnumerationMeta>;
}

/** Reads sep.xsd (and CSIP-AUS schemas) and derives the model tables. */
export function buildModel(paths: readonly string[]): GeneratedModel {
  complexTypes.clear();
  simpleTypes.clear();
  elements.clear();
  sources.length = 0;
  schemaVersion = '';
  const schemas = paths.map(parseSchema);
  for (const s of schemas) sources.push(basename(s.path));
  const sep = schemas.find((s) => s.ns === 0 && s.root.children.some((c) => local(c.tag) === 'complexType'));
  if (sep === undefined) throw new Error('no sep.xsd among the arguments');
  readSchema(sep);
  const csipausUris = new Set<string>();
  for (const s of schemas)
    if (s !== sep && s.ns === 1) {
      readSchema(s);
      csipausUris.add(s.targetNamespace);
    }
  for (const s of schemas)
    if (s !== sep) {
      readRedefines(s);
      for (const [p, uri] of s.prefixes)
        if (p !== '' && uri.startsWith(CSIPAUS_NS_PREFIX)) csipausUris.add(uri);
    }

  const enumerations = new Map<string, EnumerationMeta>();
  // Type-level enumerations (simpleType or simpleContent with documented codes).
  for (const st of simpleTypes.values()) {
    const e = parseEnumeration(st.doc, resolveSimple(st.name)?.value === 'hex');
    if (e !== undefined) enumerations.set(st.name, e);
  }
  for (const ct of complexTypes.values()) {
    if (ct.simpleBase === undefined) continue;
    const e = parseEnumeration(ct.doc, resolveSimple(ct.name)?.value === 'hex');
    if (e !== undefined) enumerations.set(ct.name, e);
  }

  const flattened = new Map<string, FieldMeta[]>();
  function flatten(name: string): FieldMeta[] {
    const done = flattened.get(name);
    if (done !== undefined) return done;
    const ct = complexTypes.get(name);
    if (ct === undefined) throw new Error(`unknown complex type ${name}`);
    const fields: FieldMeta[] = ct.base === undefined ? [] : [...flatten(ct.base)];
    for (const f of ct.own) {
      const r = resolveFieldType(f);
      const simple = resolveSimple(r.type);
      const isComplex = simple === undefined;
      if (isComplex && !complexTypes.has(r.type))
        throw new Error(`unknown type ${r.type} in ${name}.${r.name}`);
      let enumeration: string | undefined;
      const own = parseEnumeration(f.doc, simple?.value === 'hex');
      if (own !== undefined) {
        enumeration = `${f.declaredIn}.${r.name}`;
        enumerations.set(enumeration, own);
      } else if (enumerations.has(r.type)) enumeration = r.type;
      const meta: FieldMeta = {
        name: r.name,
        kind: f.kind,
        ns: r.ns,
        type: r.type,
        value: isComplex ? 'complex' : simple.value,
        ...(simple?.maxLength === undefined ? {} : { maxLength: simple.maxLength }),
        minOccurs: f.minOccurs,
        maxOccurs: f.maxOccurs,
        ...(f.default === undefined ? {} : { default: f.default }),
        ...(enumeration === undefined ? {} : { enumeration }),
        declaredIn: f.declaredIn,
        ...(f.csipausMinOccurs === undefined ? {} : { csipausMinOccurs: f.csipausMinOccurs }),
      };
      if (fields.some((x) => x.name === meta.name)) throw new Error(`duplicate field ${name}.${meta.name}`);
      fields.push(meta);
    }
    flattened.set(name, fields);
    return fields;
  }

  const complexMeta: ComplexTypeMeta[] = [];
  for (const ct of complexTypes.values()) {
    const simple = ct.simpleBase === undefined ? undefined : resolveSimple(ct.simpleBase);
    complexMeta.push({
      name: ct.name,
      ns: ct.ns,
      ...(ct.base === undefined ? {} : { base: ct.base }),
      ...(simple === undefined ? {} : { simpleContent: simple.value }),
      ...(simple?.maxLength === undefined ? {} : { maxLength: simple.maxLength }),
      fields: flatten(ct.name),
    });
  }
  const simpleMeta: SimpleTypeMeta[] = [];
  for (const st of simpleTypes.values()) {
    const r = resolveSimple(st.name);
    if (r === undefined) throw new Error(`unresolved ${st.name}`);
    simpleMeta.push({
      name: st.name,
      base: st.base,
      value: r.value,
      ...(st.maxLength === undefined ? {} : { maxLength: st.maxLength }),
      ...(st.minInclusive === undefined ? {} : { minInclusive: st.minInclusive }),
      ...(st.maxInclusive === undefined ? {} : { maxInclusive: st.maxInclusive }),
    });
  }

  return {
    schemaVersion,
    sources: [...sources],
    csipausUris,
    complexTypes: complexMeta,
    simpleTypes: simpleMeta,
    elements: [...elements.values()],
    enumerations,
  };
}

function main(): void {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    process.stderr.write('usage: generate-model.ts <sep.xsd> [csipaus-ext.xsd csipaus-core.xsd ...]\n');
    process.exit(2);
  }
  const model = buildModel(args);
  const { csipausUris, enumerations } = model;
  const complexMeta = [...model.complexTypes];
  const simpleMeta = [...model.simpleTypes];
  const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'model', 'generated');
  mkdirSync(outDir, { recursive: true });
  const header = (what: string): string =>
    `/**\n * ${what}\n *\n * GENERATED by packages/ieee2030-5/scripts/generate-model.ts from ${sources.join(', ')}\n * (IEEE 2030.5 schema version ${schemaVersion}). Do not edit by hand; regenerate instead.\n */\n`;

  writeFileSync(
    join(outDir, 'schema-info.ts'),
    buildInfo(header, new Set(csipausUris), complexMeta, simpleMeta, elements),
  );
  writeFileSync(join(outDir, 'complex-types.ts'), buildComplex(header, complexMeta));
  writeFileSync(join(outDir, 'simple-types.ts'), buildSimple(header, simpleMeta));
  writeFileSync(join(outDir, 'elements.ts'), buildElements(header, [...elements.values()]));
  writeFileSync(join(outDir, 'enumerations.ts'), buildEnumerations(header, enumerations));
  writeFileSync(
    join(outDir, 'types.ts'),
    buildTypes(header, complexMeta, simpleMeta, [...elements.values()]),
  );
  formatOutput(outDir);
  process.stdout.write(
    `generated ${complexMeta.length} complex types, ${simpleMeta.length} simple types, ${elements.size} global elements, ${enumerations.size} enumerations (schema ${schemaVersion})\n`,
  );
}

/** Formats the generated files with the repository's biome settings, when biome is installed. */
function formatOutput(outDir: string): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const biome = join(root, 'node_modules', '.bin', 'biome');
  if (!existsSync(biome)) {
    process.stderr.write('biome not found: generated files left unformatted\n');
    return;
  }
  execFileSync(biome, ['format', '--write', outDir], { cwd: root, stdio: 'ignore' });
}

function lit(v: unknown): string {
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  return JSON.stringify(v).replace(/"/g, "'").replace(/\\'/g, "\\'");
}

function str(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fieldLiteral(f: FieldMeta): string {
  const parts = [
    `name: ${str(f.name)}`,
    `kind: ${str(f.kind)}`,
    `ns: ${f.ns}`,
    `type: ${str(f.type)}`,
    `value: ${str(f.value)}`,
  ];
  if (f.maxLength !== undefined) parts.push(`maxLength: ${f.maxLength}`);
  parts.push(`minOccurs: ${f.minOccurs}`, `maxOccurs: ${lit(f.maxOccurs)}`);
  if (f.default !== undefined) parts.push(`default: ${str(f.default)}`);
  if (f.enumeration !== undefined) parts.push(`enumeration: ${str(f.enumeration)}`);
  parts.push(`declaredIn: ${str(f.declaredIn)}`);
  if (f.csipausMinOccurs !== undefined) parts.push(`csipausMinOccurs: ${f.csipausMinOccurs}`);
  return `{ ${parts.join(', ')} }`;
}

function buildInfo(
  header: (s: string) => string,
  csipausUris: Set<string>,
  complexMeta: ComplexTypeMeta[],
  simpleMeta: SimpleTypeMeta[],
  els: Map<string, ElementMeta>,
): string {
  const versions = [...csipausUris].sort();
  return `${header('Facts about the schemas the model was generated from.')}
/** IEEE 2030.5 schema version (sep.xsd \`version\` attribute) the model follows. */
export const SCHEMA_VERSION = ${str(schemaVersion)};

/** Schema files the model was generated from (names only). */
export const SCHEMA_SOURCES: readonly string[] = ${lit(sources)};

/** CSIP-AUS namespaces declared by the extension schemas used. */
export const CSIPAUS_SCHEMA_NAMESPACES: readonly string[] = ${lit(versions)};

/** Number of complex types (sep.xsd and CSIP-AUS), simple types and global elements in the model. */
export const SCHEMA_COUNTS = {
  complexTypes: ${complexMeta.length},
  sepComplexTypes: ${complexMeta.filter((c) => c.ns === 0).length},
  simpleTypes: ${simpleMeta.length},
  elements: ${els.size},
  sepElements: ${[...els.values()].filter((e) => e.ns === 0).length},
} as const;
`;
}

function buildComplex(header: (s: string) => string, complexMeta: ComplexTypeMeta[]): string {
  const lines: string[] = [
    header('Complex types of IEEE 2030.5 sep.xsd (and CSIP-AUS), fields flattened in schema sequence order.'),
    "import type { ComplexTypeMeta } from '../meta.js';",
    '',
    '/** Every complex type by name: base chain flattened, attributes and elements in schema order. */',
    'export const COMPLEX_TYPES: Readonly<Record<string, ComplexTypeMeta>> = {',
  ];
  for (const c of complexMeta) {
    const parts = [`name: ${str(c.name)}`, `ns: ${c.ns}`];
    if (c.base !== undefined) parts.push(`base: ${str(c.base)}`);
    if (c.simpleContent !== undefined) parts.push(`simpleContent: ${str(c.simpleContent)}`);
    if (c.maxLength !== undefined) parts.push(`maxLength: ${c.maxLength}`);
    if (c.fields.length === 0) {
      lines.push(`  ${c.name}: { ${parts.join(', ')}, fields: [] },`);
      continue;
    }
    lines.push(`  ${c.name}: {`);
    for (const p of parts) lines.push(`    ${p},`);
    lines.push('    fields: [');
    for (const f of c.fields) lines.push(`      ${fieldLiteral(f)},`);
    lines.push('    ],');
    lines.push('  },');
  }
  lines.push('};', '');
  return lines.join('\n');
}

function buildSimple(header: (s: string) => string, simpleMeta: SimpleTypeMeta[]): string {
  const lines = [
    header('Simple types (primitive subtypes) of IEEE 2030.5 sep.xsd with their facets.'),
    "import type { SimpleTypeMeta } from '../meta.js';",
    '',
    '/** Every named xs:simpleType by name. */',
    'export const SIMPLE_TYPES: Readonly<Record<string, SimpleTypeMeta>> = {',
  ];
  for (const s of simpleMeta) {
    const parts = [`name: ${str(s.name)}`, `base: ${str(s.base)}`, `value: ${str(s.value)}`];
    if (s.maxLength !== undefined) parts.push(`maxLength: ${s.maxLength}`);
    if (s.minInclusive !== undefined) parts.push(`minInclusive: ${str(s.minInclusive)}`);
    if (s.maxInclusive !== undefined) parts.push(`maxInclusive: ${str(s.maxInclusive)}`);
    lines.push(`  ${s.name}: { ${parts.join(', ')} },`);
  }
  lines.push('};', '');
  return lines.join('\n');
}

function buildElements(header: (s: string) => string, els: ElementMeta[]): string {
  const lines = [
    header('Global element declarations of IEEE 2030.5 sep.xsd and CSIP-AUS: the possible document roots.'),
    "import type { ElementMeta } from '../meta.js';",
    '',
    '/** Every global element, in schema order (2030.5 first, then CSIP-AUS). */',
    'export const ELEMENTS: readonly ElementMeta[] = [',
  ];
  for (const e of els) lines.push(`  { name: ${str(e.name)}, ns: ${e.ns}, type: ${str(e.type)} },`);
  lines.push('];', '');
  return lines.join('\n');
}

function buildEnumerations(
  header: (s: string) => string,
  enums: ReadonlyMap<string, EnumerationMeta>,
): string {
  const lines = [
    header('Documented code lists of IEEE 2030.5 sep.xsd: value (or bit) → short meaning.'),
    "import type { EnumerationMeta } from '../meta.js';",
    '',
    '/** Keyed by type name (`UomType`) or by `OwnerType.field` for codes documented on one field. */',
    'export const ENUMERATIONS: Readonly<Record<string, EnumerationMeta>> = {',
  ];
  for (const [k, e] of [...enums.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    lines.push(`  ${str(k)}: {`);
    lines.push(`    kind: ${str(e.kind)},`);
    lines.push('    values: {');
    for (const [code, label] of Object.entries(e.values)) lines.push(`      ${code}: ${str(label)},`);
    lines.push('    },');
    lines.push('  },');
  }
  lines.push('};', '');
  return lines.join('\n');
}

const TS_OF: Record<ValueKind, string> = {
  u8: 'number',
  u16: 'number',
  u32: 'number',
  u40: 'number',
  u48: 'number',
  u64: 'bigint',
  i8: 'number',
  i16: 'number',
  i32: 'number',
  i48: 'number',
  i64: 'bigint',
  boolean: 'boolean',
  hex: 'string',
  string: 'string',
  uri: 'string',
  complex: 'never',
};

function buildTypes(
  header: (s: string) => string,
  complexMeta: ComplexTypeMeta[],
  simpleMeta: SimpleTypeMeta[],
  els: ElementMeta[],
): string {
  const lines = [
    header('TypeScript types of the IEEE 2030.5 resource model (sep.xsd) and the CSIP-AUS extensions.'),
    '/* Integers up to 48 bits are numbers, 64-bit ones (and TimeType) bigint; hexBinary values are lowercase hex strings. */',
    '',
  ];
  for (const s of simpleMeta) {
    lines.push(
      `/** sep.xsd simple type ${s.name} (${s.base}${s.maxLength === undefined ? '' : `, maxLength ${s.maxLength}`}). */`,
    );
    lines.push(`export type ${s.name} = ${TS_OF[s.value]};`);
  }
  const tsType = (f: FieldMeta): string => {
    if (f.value === 'complex') return f.type === 'Resource' ? 'AnyResource' : f.type;
    if (f.type.startsWith('xs:')) return TS_OF[f.value];
    return f.type;
  };
  for (const c of complexMeta) {
    if (c.simpleContent !== undefined) {
      lines.push(`/** ${c.ns === 1 ? 'CSIP-AUS' : 'sep.xsd'} value type ${c.name} (simple content). */`);
      lines.push(`export type ${c.name} = ${TS_OF[c.simpleContent]};`);
      continue;
    }
    lines.push(
      `/** ${c.ns === 1 ? 'CSIP-AUS' : 'IEEE 2030.5'} complex type ${c.name}${c.base === undefined ? '' : ` (extends ${c.base})`}. */`,
    );
    lines.push(`export interface ${c.name} {`);
    for (const f of c.fields) {
      const opt = f.minOccurs === 0 || f.maxOccurs !== 1 ? '?' : '';
      const t = f.maxOccurs === 1 ? tsType(f) : `readonly ${tsType(f)}[]`;
      lines.push(`  readonly ${f.name}${opt}: ${t};`);
    }
    lines.push('}');
  }
  const resources = complexMeta.filter((c) => c.simpleContent === undefined).map((c) => c.name);
  lines.push('');
  lines.push('/** Complex type name → its TypeScript type. */');
  lines.push('export interface ResourceTypes {');
  for (const r of resources) lines.push(`  ${r}: ${r};`);
  lines.push('}');
  lines.push('/** Name of any complex (non-simple-content) type of the model. */');
  lines.push('export type ResourceTypeName = keyof ResourceTypes;');
  lines.push('/** Simple-content type name → its TypeScript value type (roots like `<PowerSourceType>`). */');
  lines.push('export interface SimpleResourceTypes {');
  for (const c of complexMeta) if (c.simpleContent !== undefined) lines.push(`  ${c.name}: ${c.name};`);
  lines.push('}');
  lines.push('/** Name of any simple-content type of the model. */');
  lines.push('export type SimpleResourceTypeName = keyof SimpleResourceTypes;');
  lines.push(
    '/** A resource with its schema type name: a document root, or the content of a field declared as `Resource` (`xsi:type`). */',
  );
  lines.push(
    'export interface TypedResource<K extends ResourceTypeName = ResourceTypeName> { readonly type: K; readonly resource: ResourceTypes[K]; }',
  );
  lines.push('/** A simple-content document root with its type name. */');
  lines.push(
    'export interface TypedSimpleResource<K extends SimpleResourceTypeName = SimpleResourceTypeName> { readonly type: K; readonly resource: SimpleResourceTypes[K]; }',
  );
  lines.push('/** Any complex resource with its type name (discriminated union on `type`). */');
  lines.push('export type AnyResource = { [K in ResourceTypeName]: TypedResource<K> }[ResourceTypeName];');
  lines.push(
    '/** Any document content: a complex resource or a simple-content root (discriminated union on `type`). */',
  );
  lines.push(
    'export type AnyDocumentResource = AnyResource | { [K in SimpleResourceTypeName]: TypedSimpleResource<K> }[SimpleResourceTypeName];',
  );
  lines.push('/** Names of the global elements (possible document roots). */');
  lines.push(`export type ElementName = ${[...new Set(els.map((e) => str(e.name)))].join(' | ')};`);
  lines.push('');
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
