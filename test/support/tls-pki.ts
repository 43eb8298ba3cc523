/**
 * A throwaway private PKI made with the `openssl` command line, for TLS tests against a real
 * redis-server: a private CA, a server certificate for 127.0.0.1 / localhost, an expired one (both
 * dates in the past, via `openssl ca -startdate/-enddate`, which every OpenSSL 1.1+ has), a client
 * certificate for mutual TLS, and a client certificate from an unrelated CA.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  caFile: string;
  /** Valid for 2 days; SAN IP:127.0.0.1 and DNS:localhost; serverAuth. */
  serverCertFile: string;
  serverKeyFile: string;
  /** Only DNS:redis.internal.example (no IP): reached by address, it needs `servername`. */
  namedCertFile: string;
  namedKeyFile: string;
  /** Same names as the server certificate, valid only in January 2020. */
  expiredCertFile: string;
  expiredKeyFile: string;
  /** Signed by the CA; clientAuth. */
  clientCertFile: string;
  clientKeyFile: string;
  /** A client certificate from another CA, which the server does not trust. */
  strangerCertFile: string;
  strangerKeyFile: string;
  cleanup(): Promise<void>;
}

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 20_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args[0]} failed: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

const CA_CONFIG = `
[ ca ]
default_ca = testca
[ testca ]
dir = ./db
database = $dir/index.txt
serial = $dir/serial
new_certs_dir = $dir
default_md = sha256
policy = anything
copy_extensions = none
unique_subject = no
[ anything ]
commonName = supplied
[ server_ext ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
[ named_ext ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:redis.internal.example
[ client_ext ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
`;

export async function makeTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'redis-medic-pki-'));
  try {
    await writeFile(join(dir, 'ca.cnf'), CA_CONFIG);
    await mkdir(join(dir, 'db'));
    await writeFile(join(dir, 'db', 'index.txt'), '');
    await writeFile(join(dir, 'db', 'serial'), '1000\n');

    const makeCa = async (name: string) =>
      openssl(
        [
          'req',
          '-x509',
          ...EC,
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.crt`,
          '-days',
          '2',
          '-subj',
          `/CN=${name}`,
        ],
        dir,
      );
    await makeCa('ca');
    await makeCa('other-ca');

    const issue = async (
      name: string,
      cn: string,
      ca: string,
      ext: 'server_ext' | 'named_ext' | 'client_ext',
      dates: string[] = ['-days', '2'],
    ) => {
      await openssl(
        ['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`],
        dir,
      );
      await openssl(
        [
          'ca',
          '-batch',
          '-config',
          'ca.cnf',
          '-cert',
          `${ca}.crt`,
          '-keyfile',
          `${ca}.key`,
          '-in',
          `${name}.csr`,
          '-out',
          `${name}.crt`,
          '-extensions',
          ext,
          '-notext',
          ...dates,
        ],
        dir,
      );
    };
    await issue('server', 'localhost', 'ca', 'server_ext');
    await issue('named', 'redis.internal.example', 'ca', 'named_ext');
    await issue('expired', 'localhost', 'ca', 'server_ext', [
      '-startdate',
      '20200101000000Z',
      '-enddate',
      '20200201000000Z',
    ]);
    await issue('client', 'redis-medic', 'ca', 'client_ext');
    await issue('stranger', 'stranger', 'other-ca', 'client_ext');
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const f = (name: string) => join(dir, name);
  return {
    dir,
    caFile: f('ca.crt'),
    serverCertFile: f('server.crt'),
    serverKeyFile: f('server.key'),
    namedCertFile: f('named.crt'),
    namedKeyFile: f('named.key'),
    expiredCertFile: f('expired.crt'),
    expiredKeyFile: f('expired.key'),
    clientCertFile: f('client.crt'),
    clientKeyFile: f('client.key'),
    strangerCertFile: f('stranger.crt'),
    strangerKeyFile: f('stranger.key'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
