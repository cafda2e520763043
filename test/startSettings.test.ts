// make start's settings (pure): the embedded dev server's ports, an external cluster, the Web UI's port for the codec server.
import { describe, expect, test } from 'vitest';
import { childEnvOverrides, startSettings } from '../src/startSettings.js';

describe('make start settings', () => {
  test('nothing set: the dev server on 7233, its Web UI on 8233, the codec server on 8081', () => {
    const s = startSettings({});
    expect(s).toEqual({ external: false, temporalAddress: 'localhost:7233', temporalPort: 7233, uiPort: 8233, codecPort: 8081 });
    expect(childEnvOverrides(s)).toEqual({ TEMPORAL_ADDRESS: 'localhost:7233', DUBAN_UI_PORT: '8233' });
  });

  test('DUBAN_TEMPORAL_PORT moves the dev server, and its Web UI with it unless DUBAN_UI_PORT says otherwise', () => {
    const s = startSettings({ DUBAN_TEMPORAL_PORT: '7300' });
    expect(s).toEqual({ external: false, temporalAddress: 'localhost:7300', temporalPort: 7300, uiPort: 8300, codecPort: 8081 });
    // The worker, the API and the codec server (its allowed Web UI origins) follow.
    expect(childEnvOverrides(s)).toEqual({ TEMPORAL_ADDRESS: 'localhost:7300', DUBAN_UI_PORT: '8300' });
    expect(startSettings({ DUBAN_TEMPORAL_PORT: '7300', DUBAN_UI_PORT: '9000', DUBAN_CODEC_PORT: '9081' })).toEqual({ external: false, temporalAddress: 'localhost:7300', temporalPort: 7300, uiPort: 9000, codecPort: 9081 });
  });

  test('TEMPORAL_ADDRESS: that cluster, no dev server; the children keep the address they were given', () => {
    const s = startSettings({ TEMPORAL_ADDRESS: 'temporal.internal:7233' });
    expect(s).toEqual({ external: true, temporalAddress: 'temporal.internal:7233', temporalPort: null, uiPort: 8233, codecPort: 8081 });
    expect(childEnvOverrides(s)).toEqual({ DUBAN_UI_PORT: '8233' });
  });

  test('bad or contradictory settings are refused, naming the variable', () => {
    expect(() => startSettings({ TEMPORAL_ADDRESS: 'localhost:7233', DUBAN_TEMPORAL_PORT: '7300' })).toThrow(
      'DUBAN_TEMPORAL_PORT: sets the port of the dev server make start runs, but TEMPORAL_ADDRESS is set and none is started; unset one of them',
    );
    expect(() => startSettings({ DUBAN_TEMPORAL_PORT: '70000' })).toThrow('DUBAN_TEMPORAL_PORT: must be a port number from 1 to 65535, not 70000');
    expect(() => startSettings({ DUBAN_UI_PORT: 'ui' })).toThrow('DUBAN_UI_PORT: must be a port number from 1 to 65535, not ui');
    expect(() => startSettings({ DUBAN_TEMPORAL_PORT: '7300', DUBAN_UI_PORT: '7300' })).toThrow("DUBAN_UI_PORT: 7300 is also the dev server's gRPC port (DUBAN_TEMPORAL_PORT)");
  });
});
