import { describe, expect, it } from 'vitest';
import { decodeCamera, encodeCamera, type Camera } from './camera.repository.ts';

describe('camera codec', () => {
  it('round-trips with and without a name', () => {
    const a: Camera = { id: 'lobby', url: 'rtsp://10.0.0.5:554/s', name: 'Lobby', analysisFps: 2.5, record: true };
    const b: Camera = { id: 'door', url: 'rtsp://10.0.0.6:554/s', analysisFps: 5, record: false };
    expect(decodeCamera('lobby', encodeCamera(a))).toEqual(a);
    expect(decodeCamera('door', encodeCamera(b))).toEqual(b);
  });

  it('says what is wrong with a bad camera', () => {
    expect(() => encodeCamera({ id: 'x', url: ' ', analysisFps: 5, record: true })).toThrow(/camera x: url is required/);
    expect(() => encodeCamera({ id: 'x', url: 'rtsp://h/s', analysisFps: 0, record: true })).toThrow(/analysisFps must be in \(0, 30\]/);
    expect(() => encodeCamera({ id: 'a:b', url: 'rtsp://h/s', analysisFps: 5, record: true })).toThrow(/camera id "a:b" is not valid/);
  });
});
