// What `make start` (scripts/start.ts) starts and where: pure, so the settings are tested without starting anything.

export interface StartSettings {
  /** TEMPORAL_ADDRESS is set: that cluster is used and no dev server is started. */
  external: boolean;
  /** The cluster every process talks to: TEMPORAL_ADDRESS, or the embedded dev server on loopback. */
  temporalAddress: string;
  /** The embedded dev server's gRPC port (DUBAN_TEMPORAL_PORT, default 7233); null when external. */
  temporalPort: number | null;
  /** The Web UI's port (DUBAN_UI_PORT; default the gRPC port + 1000, the CLI's own rule, so 8233). */
  uiPort: number;
  /** The codec server's port (DUBAN_CODEC_PORT, default 8081). */
  codecPort: number;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new Error(`${name}: must be a port number from 1 to 65535, not ${raw}`);
  return n;
}

/** The settings of `make start` from the environment; a bad or contradictory setting throws, naming the variable. */
export function startSettings(env: NodeJS.ProcessEnv = process.env): StartSettings {
  const codecPort = port(env, 'DUBAN_CODEC_PORT', 8081);
  if (env.TEMPORAL_ADDRESS !== undefined) {
    // A port for a server that is not started would be silently ignored: say so instead.
    if (env.DUBAN_TEMPORAL_PORT !== undefined) throw new Error('DUBAN_TEMPORAL_PORT: sets the port of the dev server make start runs, but TEMPORAL_ADDRESS is set and none is started; unset one of them');
    return { external: true, temporalAddress: env.TEMPORAL_ADDRESS, temporalPort: null, uiPort: port(env, 'DUBAN_UI_PORT', 8233), codecPort };
  }
  const temporalPort = port(env, 'DUBAN_TEMPORAL_PORT', 7233);
  const uiPort = port(env, 'DUBAN_UI_PORT', temporalPort + 1000 <= 65_535 ? temporalPort + 1000 : 8233);
  if (uiPort === temporalPort) throw new Error(`DUBAN_UI_PORT: ${uiPort} is also the dev server's gRPC port (DUBAN_TEMPORAL_PORT)`);
  return { external: false, temporalAddress: `localhost:${temporalPort}`, temporalPort, uiPort, codecPort };
}

/** What the processes make start launches must read, so they find the dev server and the Web UI it started. */
export function childEnvOverrides(settings: StartSettings): Record<string, string> {
  // The codec server allows the Web UI's origin by DUBAN_UI_PORT (codec-server.ts allowedOrigins).
  return settings.external ? { DUBAN_UI_PORT: String(settings.uiPort) } : { TEMPORAL_ADDRESS: settings.temporalAddress, DUBAN_UI_PORT: String(settings.uiPort) };
}
