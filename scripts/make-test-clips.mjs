#!/usr/bin/env node
// Builds camera clips from the test photos (see packages/video/src/test-clips.ts) and prints their paths
// and manifests as JSON. Clips are cached by their inputs, so running it twice is instant.
//
//   node scripts/make-test-clips.mjs [--out data/clips] [--people penny,raj:2,sheldon] [--seconds 3] [--gap 2]
//                                    [--size 1280x720] [--fps 25] [--pan bbt4] [--pattern]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();
const { loadConfig } = await import('../packages/config/src/index.ts');
const { makeFaceClip, makeGroupPanClip, makePatternClip } = await import('../packages/video/src/index.ts');

const usage = `usage: node scripts/make-test-clips.mjs [--out DIR] [--people NAME[:PHOTO],...] [--seconds S] [--gap S] [--size WxH] [--fps N] [--pan GROUP] [--pattern]`;

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      out: { type: 'string' },
      people: { type: 'string', default: 'penny,raj,sheldon,leonard' },
      seconds: { type: 'string', default: '3' },
      gap: { type: 'string', default: '2' },
      size: { type: 'string', default: '1280x720' },
      fps: { type: 'string', default: '25' },
      pan: { type: 'string' },
      pattern: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  process.stderr.write(`${err.message}\n${usage}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

const config = loadConfig();
const outDir = resolve(args.out ?? `${config.resolved.data}/clips`);
const size = /^(\d+)x(\d+)$/.exec(args.size);
if (!size) {
  process.stderr.write(`--size must look like 1280x720, got "${args.size}"\n`);
  process.exit(2);
}
const [width, height, fps] = [Number(size[1]), Number(size[2]), Number(args.fps)];
const people = args.people.split(',').filter(Boolean).map((entry) => {
  const [name, photo] = entry.split(':');
  return { name, photo: photo === undefined ? 1 : Number(photo) };
});

try {
  const fixturesDir = config.resolved.fixtures;
  const result = {
    face: await makeFaceClip({ fixturesDir, outDir, people, secondsPerPerson: Number(args.seconds), gapSeconds: Number(args.gap), width, height, fps }),
  };
  if (args.pan) result.pan = await makeGroupPanClip({ fixturesDir, outDir, group: args.pan, width, height, fps });
  if (args.pattern) result.pattern = await makePatternClip({ outDir, width, height, fps });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} catch (err) {
  process.stderr.write(`make-test-clips: ${err.message}\n`);
  process.exit(1);
}
