#!/usr/bin/env node
// Entry point of `npx argus`: the workspace runs TypeScript source, so register tsx first.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
