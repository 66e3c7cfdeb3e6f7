import { createPrivateKey, createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, fromHex, MeterkitError } from '@meterkit/core';
import {
  createDevice,
  createDeviceCsr,
  createTestPki,
  type DeviceCertificateOptions,
  deviceIdentity,
  type IssuedCertificate,
  issueFromCsr,
  TEST_HW_TYPE,
} from '@meterkit/ieee2030-5';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../exit-codes.js';
import { type OutputArgs, withOutputOptions } from '../output/format.js';
import { jsonLine } from '../output/json-lines.js';
import { renderTable, type TableColumn } from '../output/table.js';
import type { CommandContext } from './context.js';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** A file written by a pki command. */
interface WrittenFile {
  readonly path: string;
  readonly what: string;
  readonly lfdi?: string | undefined;
  readonly sfdi?: bigint | undefined;
}

function usage(message: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidArgument, message);
}

function readText(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new MeterkitError(
      ErrorCode.InputUnreadable,
      `${option} ${path}: cannot read it: ${(e as NodeJS.ErrnoException).code ?? 'error'} (check the path and its permissions)`,
    );
  }
}

/** Writes files, refusing to overwrite any unless `force`; private keys get mode 0600. */
function writeAll(files: readonly { path: string; text: string; secret: boolean }[], force: boolean): void {
  if (!force) {
    const existing = files.filter((f) => existsSync(f.path)).map((f) => f.path);
    if (existing.length > 0)
      throw usage(`${existing.join(', ')} already exist(s): pass --force to overwrite`);
  }
  for (const f of files) {
    try {
      writeFileSync(f.path, f.text, { mode: f.secret ? 0o600 : 0o644 });
    } catch (e) {
      throw new MeterkitError(
        ErrorCode.InputUnreadable,
        `cannot write ${f.path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  }
}

/** Loads a CA certificate and its private key from PEM files as an issuer, checking they belong together. */
export async function loadIssuer(certPath: string, keyPath: string): Promise<IssuedCertificate> {
  const certificatePem = readText(certPath, '--issuer');
  const keyPem = readText(keyPath, '--issuer-key');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificatePem);
  } catch {
    throw usage(`--issuer ${certPath} is not a PEM certificate`);
  }
  let privateDer: Uint8Array;
  let fromKey: Uint8Array;
  try {
    const priv = createPrivateKey(keyPem);
    privateDer = new Uint8Array(priv.export({ format: 'der', type: 'pkcs8' }));
    fromKey = new Uint8Array(createPublicKey(priv).export({ format: 'der', type: 'spki' }));
  } catch {
    throw usage(`--issuer-key ${keyPath} is not a PEM private key (encrypted keys are not supported)`);
  }
  const fromCert = new Uint8Array(cert.publicKey.export({ format: 'der', type: 'spki' }));
  if (Buffer.compare(fromKey, fromCert) !== 0) {
    throw new MeterkitError(
      ErrorCode.KeyInvalid,
      `--issuer-key ${keyPath} does not belong to --issuer ${certPath}`,
    );
  }
  if (!cert.ca) throw usage(`--issuer ${certPath} is not a CA certificate (basicConstraints cA is not set)`);
  const privateKey = await webcrypto.subtle.importKey('pkcs8', privateDer, EC, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', fromCert, EC, true, ['verify']);
  const raw = cert.raw;
  return {
    certificatePem,
    der: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
    privateKeyPem: keyPem,
    keys: { privateKey, publicKey },
  };
}

function deviceOptions(args: {
  readonly 'hw-type'?: string | undefined;
  readonly 'hw-serial'?: string | undefined;
}): DeviceCertificateOptions {
  let hwSerialNum: Uint8Array | undefined;
  if (args['hw-serial'] !== undefined) {
    try {
      hwSerialNum = fromHex(args['hw-serial']);
    } catch {
      throw usage('--hw-serial must be hex (the HardwareModuleName hwSerialNum octets)');
    }
  }
  const hwType = args['hw-type'];
  if (hwType !== undefined && !/^\d+(\.\d+)+$/.test(hwType))
    throw usage('--hw-type must be a dotted OID, e.g. 1.3.6.1.4.1.40732.99.1');
  return {
    ...(hwType === undefined ? {} : { hwType }),
    ...(hwSerialNum === undefined ? {} : { hwSerialNum }),
  };
}

function report(
  ctx: CommandContext,
  json: boolean,
  summary: Record<string, unknown>,
  files: readonly WrittenFile[],
): void {
  if (json) {
    ctx.io.out(jsonLine({ ...summary, files }));
    return;
  }
  const c = ctx.colors;
  const ids = files.some((f) => f.lfdi !== undefined);
  const columns: TableColumn[] = [{ header: 'FILE' }, { header: 'WHAT' }];
  if (ids) columns.push({ header: 'LFDI' }, { header: 'SFDI', align: 'right' });
  ctx.io.out(
    `${renderTable(
      columns,
      files.map((f) => (ids ? [f.path, f.what, f.lfdi ?? '', f.sfdi?.toString() ?? ''] : [f.path, f.what])),
      c.bold,
    ).join('\n')}\n`,
  );
}

interface InitArgs extends OutputArgs {
  readonly dir: string;
  readonly mca: boolean;
  readonly 'hw-type'?: string | undefined;
  readonly force: boolean;
}

function initCommand(ctx: CommandContext): CommandModule<object, InitArgs> {
  return {
    command: 'init <dir>',
    describe: 'Create a test PKI: SERCA, MCA, MICA, a device and a server certificate with keys',
    builder: (y: Argv<object>) =>
      withOutputOptions(
        y
          .positional('dir', {
            type: 'string',
            describe: 'directory to write into (created if missing)',
            demandOption: true,
          })
          .option('mca', {
            type: 'boolean',
            default: true,
            describe: 'include an MCA between SERCA and MICA (--no-mca to skip)',
          })
          .option('hw-type', {
            type: 'string',
            describe: `HardwareModuleName hwType OID (default ${TEST_HW_TYPE})`,
          })
          .option('force', { type: 'boolean', default: false, describe: 'overwrite existing files' }),
        { tabular: false },
      )
        .example('$0 sep pki init ./pki', 'a complete test PKI in ./pki')
        .example(
          '$0 sep pki init --no-mca --json ./pki',
          'SERCA → MICA → leaves, summary as JSON',
        ) as Argv<InitArgs>,
    handler: async (args) => {
      const hwType = args['hw-type'];
      if (hwType !== undefined && !/^\d+(\.\d+)+$/.test(hwType))
        throw usage('--hw-type must be a dotted OID');
      const pki = await createTestPki({ mca: args.mca, ...(hwType === undefined ? {} : { hwType }) });
      try {
        mkdirSync(args.dir, { recursive: true });
      } catch (e) {
        throw new MeterkitError(
          ErrorCode.InputUnreadable,
          `cannot create ${args.dir}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
      const files: { path: string; text: string; secret: boolean }[] = [];
      const written: WrittenFile[] = [];
      const add = (name: string, what: string, cert: IssuedCertificate, leaf: boolean): void => {
        const id = leaf ? deviceIdentity(cert.der) : undefined;
        files.push({ path: join(args.dir, `${name}.pem`), text: cert.certificatePem, secret: false });
        files.push({ path: join(args.dir, `${name}.key`), text: cert.privateKeyPem, secret: true });
        written.push({ path: join(args.dir, `${name}.pem`), what, lfdi: id?.lfdi, sfdi: id?.sfdi });
        written.push({ path: join(args.dir, `${name}.key`), what: `${what} private key` });
      };
      add('serca', 'SERCA (root)', pki.serca, false);
      if (pki.mca !== undefined) add('mca', 'MCA', pki.mca, false);
      add('mica', 'MICA (issuer)', pki.mica, false);
      add('device', 'device certificate', pki.device, true);
      add('server', 'server certificate', pki.server, true);
      files.push({ path: join(args.dir, 'chain.pem'), text: pki.chainPem, secret: false });
      written.push({ path: join(args.dir, 'chain.pem'), what: 'intermediates (MICA, MCA)' });
      files.push({
        path: join(args.dir, 'server-chain.pem'),
        text: pki.server.certificatePem + pki.chainPem,
        secret: false,
      });
      written.push({ path: join(args.dir, 'server-chain.pem'), what: 'server certificate + intermediates' });
      files.push({
        path: join(args.dir, 'device-chain.pem'),
        text: pki.device.certificatePem + pki.chainPem,
        secret: false,
      });
      written.push({ path: join(args.dir, 'device-chain.pem'), what: 'device certificate + intermediates' });
      writeAll(files, args.force);
      report(ctx, args.json, { dir: args.dir }, written);
      ctx.exitCode = ExitCode.Ok;
    },
  };
}

interface IssueArgs extends OutputArgs {
  readonly out: string;
  readonly dir?: string | undefined;
  readonly issuer?: string | undefined;
  readonly 'issuer-key'?: string | undefined;
  readonly csr?: string | undefined;
  readonly 'hw-type'?: string | undefined;
  readonly 'hw-serial'?: string | undefined;
  readonly force: boolean;
}

function issueCommand(ctx: CommandContext): CommandModule<object, IssueArgs> {
  return {
    command: 'issue <out>',
    describe: 'Issue a device certificate from a MICA (new key pair, or for a CSR)',
    builder: (y: Argv<object>) =>
      withOutputOptions(
        y
          .positional('out', {
            type: 'string',
            describe: 'output name: writes OUT.pem (and OUT.key for a new key)',
            demandOption: true,
          })
          .option('dir', {
            type: 'string',
            describe: 'a `pki init` directory: issue with its mica.pem and mica.key',
          })
          .option('issuer', { type: 'string', describe: 'issuing CA certificate (PEM), instead of --dir' })
          .option('issuer-key', { type: 'string', describe: 'issuing CA private key (PEM)' })
          .option('csr', {
            type: 'string',
            describe: 'a PKCS #10 request (PEM): certify its key instead of making one',
          })
          .option('hw-type', {
            type: 'string',
            describe: `HardwareModuleName hwType OID (default ${TEST_HW_TYPE})`,
          })
          .option('hw-serial', {
            type: 'string',
            describe: 'HardwareModuleName hwSerialNum as hex (default random)',
          })
          .option('force', { type: 'boolean', default: false, describe: 'overwrite existing files' }),
        { tabular: false },
      )
        .example('$0 sep pki issue --dir ./pki ./pki/inverter', 'a new device certificate and key')
        .example(
          '$0 sep pki issue --dir ./pki --csr dev.csr ./dev',
          'certify a device CSR',
        ) as Argv<IssueArgs>,
    handler: async (args) => {
      let certPath = args.issuer;
      let keyPath = args['issuer-key'];
      if (args.dir !== undefined) {
        if (certPath !== undefined || keyPath !== undefined)
          throw usage('give --dir or --issuer/--issuer-key, not both');
        certPath = join(args.dir, 'mica.pem');
        keyPath = join(args.dir, 'mica.key');
      }
      if (certPath === undefined || keyPath === undefined) {
        throw usage(
          'say who issues: --dir DIR (from `meterkit sep pki init DIR`) or --issuer CA.pem --issuer-key CA.key',
        );
      }
      const issuer = await loadIssuer(certPath, keyPath);
      const options = deviceOptions(args);
      const files: { path: string; text: string; secret: boolean }[] = [];
      let der: Uint8Array;
      if (args.csr !== undefined) {
        const csrPem = readText(args.csr, '--csr');
        let cert: Awaited<ReturnType<typeof issueFromCsr>>;
        try {
          cert = await issueFromCsr(csrPem, issuer, options);
        } catch (e) {
          if (e instanceof MeterkitError) throw e;
          throw usage(`--csr ${args.csr} is not a PEM certificate request`);
        }
        der = new Uint8Array(cert.rawData);
        files.push({ path: `${args.out}.pem`, text: `${cert.toString('pem').trimEnd()}\n`, secret: false });
      } else {
        const device = await createDevice(issuer, options);
        der = device.der;
        files.push({ path: `${args.out}.pem`, text: device.certificatePem, secret: false });
        files.push({ path: `${args.out}.key`, text: device.privateKeyPem, secret: true });
      }
      writeAll(files, args.force);
      const id = deviceIdentity(der);
      const written: WrittenFile[] = [
        { path: `${args.out}.pem`, what: 'device certificate', lfdi: id.lfdi, sfdi: id.sfdi },
      ];
      if (files.length > 1) written.push({ path: `${args.out}.key`, what: 'device private key' });
      report(ctx, args.json, { lfdi: id.lfdi, sfdi: id.sfdi }, written);
      ctx.exitCode = ExitCode.Ok;
    },
  };
}

interface CsrArgs extends OutputArgs {
  readonly out: string;
  readonly 'hw-type'?: string | undefined;
  readonly 'hw-serial'?: string | undefined;
  readonly force: boolean;
}

function csrCommand(ctx: CommandContext): CommandModule<object, CsrArgs> {
  return {
    command: 'csr <out>',
    describe: 'Make a device key pair and a PKCS #10 request for it (OUT.csr, OUT.key)',
    builder: (y: Argv<object>) =>
      withOutputOptions(
        y
          .positional('out', {
            type: 'string',
            describe: 'output name: writes OUT.csr and OUT.key',
            demandOption: true,
          })
          .option('hw-type', {
            type: 'string',
            describe: `HardwareModuleName hwType OID (default ${TEST_HW_TYPE})`,
          })
          .option('hw-serial', {
            type: 'string',
            describe: 'HardwareModuleName hwSerialNum as hex (default random)',
          })
          .option('force', { type: 'boolean', default: false, describe: 'overwrite existing files' }),
        { tabular: false },
      )
        .example('$0 sep pki csr --hw-serial 0011223344 ./dev', 'dev.csr and dev.key')
        .example('$0 sep pki issue --dir ./pki --csr dev.csr ./dev', 'then certify it') as Argv<CsrArgs>,
    handler: async (args) => {
      const options = deviceOptions(args);
      const serial = options.hwSerialNum ?? webcrypto.getRandomValues(new Uint8Array(8));
      const csr = await createDeviceCsr(serial, options.hwType ?? TEST_HW_TYPE);
      writeAll(
        [
          { path: `${args.out}.csr`, text: `${csr.csrPem.trimEnd()}\n`, secret: false },
          { path: `${args.out}.key`, text: csr.privateKeyPem, secret: true },
        ],
        args.force,
      );
      report(ctx, args.json, {}, [
        { path: `${args.out}.csr`, what: 'certificate request (PKCS #10)' },
        { path: `${args.out}.key`, what: 'device private key' },
      ]);
      ctx.exitCode = ExitCode.Ok;
    },
  };
}

/** `meterkit sep pki init|issue|csr`: IEEE 2030.5 §6.11 test PKIs. */
export function sepPkiCommand(ctx: CommandContext): CommandModule<object, object> {
  return {
    command: 'pki',
    describe: 'Test PKIs for IEEE 2030.5 (§6.11 certificate profile): init, issue, csr',
    builder: (y: Argv<object>) =>
      y
        .command(initCommand(ctx))
        .command(issueCommand(ctx))
        .command(csrCommand(ctx))
        .demandCommand(1, 'name a pki command: init, issue or csr')
        .example('$0 sep pki init ./pki', 'SERCA, MCA, MICA, device and server certificates')
        .example('$0 sep pki issue --dir ./pki ./pki/meter2', 'one more device'),
    handler: () => {},
  };
}
