import { describe, expect, it } from 'vitest';
import { assertId, isValidId, newId } from './ids.ts';
import { StoreError } from './store-error.ts';

describe('ids', () => {
  it('generates distinct ids that are valid in keys and file names', () => {
    const ids = new Set(Array.from({ length: 1000 }, newId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(isValidId(id)).toBe(true);
  });

  it('accepts letters, digits, "_" and "-" only', () => {
    expect(assertId('Lobby_cam-2')).toBe('Lobby_cam-2');
    for (const bad of ['', 'a/b', '..', 'a.jpg', 'é', 'a\u0000', 'x'.repeat(129), 42, null, undefined]) {
      expect(isValidId(bad), String(bad)).toBe(false);
    }
  });

  it('throws a typed error that names the id and the rule', () => {
    expect(() => assertId('../etc/passwd', 'face id')).toThrow(StoreError);
    expect(() => assertId('../etc/passwd', 'face id')).toThrow(/face id "\.\.\/etc\/passwd" is not valid: use 1-128 characters/);
    try {
      assertId(7);
    } catch (err) {
      expect((err as StoreError).code).toBe('INVALID_ID');
    }
  });
});
