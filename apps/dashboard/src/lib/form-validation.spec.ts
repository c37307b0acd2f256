import { describe, expect, it } from 'vitest';
import { isImageFile, nameError, photosError, validateCameraForm } from './form-validation.ts';

const file = (name: string, type: string, size = 1000) => ({ name, type, size });

describe('photo checks', () => {
  it('accepts JPEG, PNG and WebP, by type or (without one) by extension', () => {
    expect(isImageFile(file('a.jpg', 'image/jpeg'))).toBe(true);
    expect(isImageFile(file('a.webp', ''))).toBe(true);
    expect(isImageFile(file('a.gif', 'image/gif'))).toBe(false);
    expect(isImageFile(file('notes.txt', 'text/plain'))).toBe(false);
    expect(isImageFile(file('x.jpg', 'application/pdf'))).toBe(false);
  });

  it('names a non-image file and says it is not an image', () => {
    expect(photosError([file('penny.jpg', 'image/jpeg'), file('notes.txt', 'text/plain')])).toMatch(/"notes\.txt" is not an image/);
    expect(photosError([])).toMatch(/at least one photo/);
    expect(photosError([file('empty.png', 'image/png', 0)])).toMatch(/"empty\.png" is empty/);
    expect(photosError(Array.from({ length: 21 }, (_, i) => file(`${i}.png`, 'image/png')))).toMatch(/At most 20/);
    expect(photosError([file('ok.png', 'image/png')])).toBeUndefined();
  });

  it('wants a name', () => {
    expect(nameError('   ')).toBe('Enter a name');
    expect(nameError('Penny')).toBeUndefined();
    expect(nameError('x'.repeat(201))).toMatch(/200/);
  });
});

describe('validateCameraForm', () => {
  const base = { id: 'lobby', name: 'Lobby', url: 'rtsp://10.0.0.5:554/stream', analysisFps: '5', record: true };

  it('gives the api body for a valid form', () => {
    expect(validateCameraForm(base)).toEqual({ input: { id: 'lobby', name: 'Lobby', url: 'rtsp://10.0.0.5:554/stream', analysisFps: 5, record: true } });
    expect(validateCameraForm({ ...base, name: ' ', analysisFps: '' })).toEqual({
      input: { id: 'lobby', url: 'rtsp://10.0.0.5:554/stream', analysisFps: 5, record: true },
    });
  });

  it('explains an invalid URL with an rtsp:// example', () => {
    const result = validateCameraForm({ ...base, url: 'not a url' });
    expect('errors' in result && result.errors.url).toMatch(/rtsp:\/\//);
    const empty = validateCameraForm({ ...base, url: '' });
    expect('errors' in empty && empty.errors.url).toMatch(/rtsp:\/\//);
  });

  it('rejects bad ids and fps', () => {
    const result = validateCameraForm({ ...base, id: 'Bad Id!', analysisFps: '0' });
    expect('errors' in result && result.errors.id).toMatch(/lowercase/);
    expect('errors' in result && result.errors.analysisFps).toMatch(/at most 30/);
    const high = validateCameraForm({ ...base, analysisFps: '31' });
    expect('errors' in high && high.errors.analysisFps).toBeDefined();
    const empty = validateCameraForm({ ...base, id: '' });
    expect('errors' in empty && empty.errors.id).toMatch(/Enter a camera id/);
  });
});
