// Temporal over TLS (issue 15 item 6): the dev server has none, so a TLS-terminating forwarder this test starts (Node
// `tls`, ALPN h2, certificates made here with openssl) stands where a cluster's or Temporal Cloud's front end would.
// The client (API, set-up) and the native connection (worker) take TLS, a private CA and a client certificate from
// the environment; an untrusted server or a missing client certificate is refused.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort } from '../src/net.js';
import { connectClient } from '../src/temporal.js';
import { temporalConnectionOptions } from '../src/temporalConnection.js';
import { createDevServerEnv } from './helpers.js';

let env: TestWorkflowEnvironment;
const dir = mkdtempSync(join(tmpdir(), 'duban-tls-'));
const p = (f: string): string => join(dir, f);
const servers: Server[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA and a certificate it signs (server or client), as files in dir. */
function makeCerts(): void {
  for (const ca of ['ca', 'other-ca']) openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=duban test ${ca}`, '-keyout', p(`${ca}.key`), '-out', p(`${ca}.pem`));
  writeFileSync(p('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(p('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=duban ${who}`, '-keyout', p(`${who}.key`), '-out', p(`${who}.csr`));
    openssl('x509', '-req', '-in', p(`${who}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p(`${who}.ext`), '-out', p(`${who}.pem`));
  }
}

/** Terminates TLS (optionally asking for a client certificate signed by the CA) and forwards the bytes to the dev server. */
async function forwarder(mtls: boolean): Promise<number> {
  const [host, port] = env.address.split(':');
  const server = createServer({ key: readFileSync(p('server.key')), cert: readFileSync(p('server.pem')), ca: readFileSync(p('ca.pem')), requestCert: mtls, rejectUnauthorized: mtls, ALPNProtocols: ['h2'] }, (tls) => {
    const upstream = netConnect(Number(port), host === 'localhost' ? '127.0.0.1' : host);
    tls.pipe(upstream).pipe(tls);
    const end = (): void => {
      tls.destroy();
      upstream.destroy();
    };
    tls.on('error', end);
    upstream.on('error', end);
  });
  servers.push(server);
  const listenOn = await freePort();
  await new Promise<void>((r) => server.listen(listenOn, '127.0.0.1', r));
  return listenOn;
}

let plainTls = 0;
let mutualTls = 0;
beforeAll(async () => {
  makeCerts();
  env = await createDevServerEnv();
  plainTls = await forwarder(false);
  mutualTls = await forwarder(true);
}, 90_000);
afterAll(async () => {
  for (const s of servers) s.close();
  await env?.teardown();
});

const namespaceVia = async (client: Client): Promise<string> => (await client.workflowService.describeNamespace({ namespace: 'default' })).namespaceInfo?.name ?? '';

test('TLS with the private CA from TEMPORAL_TLS_CA_FILE: the client and the worker connection reach the server', async () => {
  const e = { TEMPORAL_ADDRESS: `localhost:${plainTls}`, TEMPORAL_TLS_CA_FILE: p('ca.pem') };
  const client = await connectClient(e.TEMPORAL_ADDRESS, 'default', { env: e });
  expect(await namespaceVia(client)).toBe('default');
  await client.connection.close();
  const native = await NativeConnection.connect(temporalConnectionOptions(e));
  await native.close();
});

test('a server the CA did not sign is refused, by the client and by the worker connection', async () => {
  const untrusted = { TEMPORAL_ADDRESS: `localhost:${plainTls}`, TEMPORAL_TLS_CA_FILE: p('other-ca.pem') };
  const refused = await Connection.connect({ ...temporalConnectionOptions(untrusted), connectTimeout: 3000 }).then(() => null, (e: unknown) => e as Error);
  // The gRPC client keeps retrying the handshake until its deadline: the certificate error itself is in its log.
  expect(refused?.message).toBe('Failed to connect before the deadline');
  await expect(NativeConnection.connect(temporalConnectionOptions(untrusted))).rejects.toMatchObject({ name: 'TransportError' });
});

test('mTLS: without a client certificate the front end refuses; with TEMPORAL_TLS_CERT_FILE and _KEY_FILE it answers', async () => {
  const base = { TEMPORAL_ADDRESS: `localhost:${mutualTls}`, TEMPORAL_TLS_CA_FILE: p('ca.pem') };
  await expect(NativeConnection.connect(temporalConnectionOptions(base))).rejects.toMatchObject({ name: 'TransportError' });
  const withCert = { ...base, TEMPORAL_TLS_CERT_FILE: p('client.pem'), TEMPORAL_TLS_KEY_FILE: p('client.key') };
  const client = await connectClient(withCert.TEMPORAL_ADDRESS, 'default', { env: withCert });
  expect(await namespaceVia(client)).toBe('default');
  await client.connection.close();
  const native = await NativeConnection.connect(temporalConnectionOptions(withCert));
  await native.close();
});

test('the settings are checked: no TLS for the dev server, a certificate needs its key, a file must be readable', () => {
  expect(temporalConnectionOptions({})).toEqual({ address: 'localhost:7233' });
  expect(temporalConnectionOptions({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: ' k-123 ' })).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'k-123' });
  expect(temporalConnectionOptions({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' })).toEqual({ address: 'localhost:7233', tls: { serverNameOverride: 'temporal.internal' } });
  expect(() => temporalConnectionOptions({ TEMPORAL_TLS_CERT_FILE: p('client.pem') })).toThrow('TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE: set both (a client certificate and its key) or neither');
  expect(() => temporalConnectionOptions({ TEMPORAL_TLS_CA_FILE: p('missing.pem') })).toThrow(`TEMPORAL_TLS_CA_FILE: cannot read ${p('missing.pem')}: ENOENT`);
  expect(() => temporalConnectionOptions({ TEMPORAL_TLS: 'yes' })).toThrow('TEMPORAL_TLS: must be true or false, not yes');
});
