import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PEM certificate and its private key. */
export interface TestIdentity {
  readonly cert: string;
  readonly key: string;
}

/** A throw-away PKI: a CA, a server and a client it signed, and a rogue CA with its own client. */
export interface TestPki {
  readonly ca: string;
  readonly server: TestIdentity;
  readonly client: TestIdentity;
  readonly rogueCa: string;
  readonly rogueClient: TestIdentity;
}

/** True when the `openssl` CLI can be run. */
export function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * Generates real P-256 certificates with the `openssl` CLI in a temporary directory, reads them
 * and removes the directory.
 */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-tls-'));
  try {
    const run = (args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    };
    const ca = (name: string): void => {
      run([
        'req',
        '-x509',
        ...P256,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-subj',
        `/CN=meterkit test ${name}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ]);
    };
    const leaf = (name: string, issuer: string, exts: string[]): void => {
      const addext = exts.flatMap((e) => ['-addext', e]);
      run([
        'req',
        '-x509',
        ...P256,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-CA',
        `${issuer}.crt`,
        '-CAkey',
        `${issuer}.key`,
        '-subj',
        `/CN=${name}`,
        '-addext',
        'basicConstraints=critical,CA:FALSE',
        ...addext,
      ]);
    };
    ca('ca');
    ca('rogue-ca');
    leaf('localhost', 'ca', ['subjectAltName=IP:127.0.0.1,DNS:localhost', 'extendedKeyUsage=serverAuth']);
    leaf('client', 'ca', ['extendedKeyUsage=clientAuth']);
    leaf('rogue-client', 'rogue-ca', ['extendedKeyUsage=clientAuth']);
    const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
    const id = (name: string): TestIdentity => ({ cert: read(`${name}.crt`), key: read(`${name}.key`) });
    return {
      ca: read('ca.crt'),
      server: id('localhost'),
      client: id('client'),
      rogueCa: read('rogue-ca.crt'),
      rogueClient: id('rogue-client'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
