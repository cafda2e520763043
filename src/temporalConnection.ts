// How duban's processes reach Temporal: an address, and for a cluster or Temporal Cloud TLS (server CA, client
// certificate for mTLS) or an API key, all from the environment; the dev server needs none of it.
import { readFileSync } from 'node:fs';

export interface TemporalConnectionOptions {
  address: string;
  tls?: { serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer }; serverNameOverride?: string };
  apiKey?: string;
}

const file = (name: string, path: string): Buffer => {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${name}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
};

/**
 * TEMPORAL_ADDRESS; TLS when TEMPORAL_TLS=true or any of TEMPORAL_TLS_CA_FILE (the server's CA), TEMPORAL_TLS_CERT_FILE
 * with TEMPORAL_TLS_KEY_FILE (mTLS), TEMPORAL_TLS_SERVER_NAME is set; TEMPORAL_API_KEY (Temporal Cloud) implies TLS.
 */
export function temporalConnectionOptions(env: NodeJS.ProcessEnv = process.env): TemporalConnectionOptions {
  const address = env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  const ca = env.TEMPORAL_TLS_CA_FILE;
  const cert = env.TEMPORAL_TLS_CERT_FILE;
  const key = env.TEMPORAL_TLS_KEY_FILE;
  const serverName = env.TEMPORAL_TLS_SERVER_NAME;
  const apiKey = env.TEMPORAL_API_KEY?.trim();
  if ((cert === undefined) !== (key === undefined)) throw new Error('TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE: set both (a client certificate and its key) or neither');
  const wanted = env.TEMPORAL_TLS === 'true' || ca !== undefined || cert !== undefined || serverName !== undefined || !!apiKey;
  if (env.TEMPORAL_TLS !== undefined && env.TEMPORAL_TLS !== 'true' && env.TEMPORAL_TLS !== 'false') throw new Error(`TEMPORAL_TLS: must be true or false, not ${env.TEMPORAL_TLS}`);
  if (!wanted) return { address };
  return {
    address,
    tls: {
      ...(ca !== undefined ? { serverRootCACertificate: file('TEMPORAL_TLS_CA_FILE', ca) } : {}),
      ...(cert !== undefined && key !== undefined ? { clientCertPair: { crt: file('TEMPORAL_TLS_CERT_FILE', cert), key: file('TEMPORAL_TLS_KEY_FILE', key) } } : {}),
      ...(serverName !== undefined ? { serverNameOverride: serverName } : {}),
    },
    ...(apiKey ? { apiKey } : {}),
  };
}
