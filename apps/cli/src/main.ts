// The `argus` command line. Subcommands parse their own flags with node:util parseArgs.
import { parseArgs } from 'node:util';
import { ConfigError } from '@argus/config';
import { runFaces } from './faces.command.ts';

const USAGE = `usage: argus <command> [options]

commands:
  faces <image...> [--embed] [--json]   detect faces in photos; print boxes, landmarks, quality and timings
                                        --embed  add the 512-d embedding of each face
                                        --json   one JSON object per image and line

environment: ARGUS_CONFIG=<file.yaml> and ARGUS_<SECTION>__<KEY>=value override config/default.yaml`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  try {
    switch (command) {
      case 'faces': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { embed: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
        });
        if (positionals.length === 0) {
          err('argus faces: give one or more image files, e.g. `npx argus faces photo.jpg`');
          return 2;
        }
        const failed = await runFaces({ files: positionals, embed: values.embed, json: values.json, out, err });
        return failed > 0 ? 1 : 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        err(`argus: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ConfigError) err(`argus: ${e.message}`);
    else if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) err(`argus ${command}: ${e.message}`);
    else err(`argus: ${(e as Error).stack ?? e}`);
    return (e as NodeJS.ErrnoException).code?.startsWith?.('ERR_PARSE_ARGS') ? 2 : 1;
  }
}
