// Test access to the shared face photos (ARGUS_FIXTURES, default ../shared/data) and a shared analyzer.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type LoadedConfig } from '@argus/config';
import { FaceAnalyzer } from '../face-analyzer.ts';

export const BBT_PEOPLE = ['amy', 'bernadette', 'howard', 'leonard', 'penny', 'raj', 'sheldon', 'stuart'] as const;

export function fixturesDir(config: LoadedConfig = loadConfig()): string {
  const dir = config.resolved.fixtures;
  if (!existsSync(join(dir, 'faces', 'bbt'))) {
    throw new Error(`test photos not found in ${dir}: set ARGUS_FIXTURES to the folder holding faces/ and groups/ (default ../shared/data)`);
  }
  return dir;
}

export const readFixture = (relative: string): Buffer => readFileSync(join(fixturesDir(), relative));

let shared: Promise<FaceAnalyzer> | undefined;

/** One analyzer per test file (sessions are costly to open); models must be fetched (`npm run models`). */
export function sharedAnalyzer(): Promise<FaceAnalyzer> {
  shared ??= FaceAnalyzer.create(loadConfig());
  return shared;
}
