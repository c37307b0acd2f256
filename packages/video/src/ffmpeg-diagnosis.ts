// Turns how an ffmpeg run ended (its last stderr lines, exit code, timing) into a camera error code
// and words an operator can act on.
import type { CameraErrorCode } from './video-error.ts';

export interface RunOutcome {
  /** The last lines ffmpeg wrote to stderr. */
  stderrTail: readonly string[];
  /** The error fluent-ffmpeg reported, if any (e.g. "ffmpeg exited with code 1: ..."). */
  error?: Error | undefined;
  exitCode?: number | null | undefined;
  /** How long the process ran. */
  runMs: number;
  /** The socket timeout given to ffmpeg. */
  socketTimeoutMs: number;
  /** Frames received during this run. */
  frames: number;
  /** "RTSP", "HTTP"...: how the camera is reached, for the messages. */
  protocol: string;
}

export interface Diagnosis {
  code: CameraErrorCode;
  /** What went wrong, e.g. "RTSP connection refused"; the camera and URL are added by the caller. */
  problem: string;
  /** Joins the problem to the camera URL in messages: " at" by default; ffmpeg's own failures read better with " while reading". */
  connector?: string;
  /** What to check, e.g. "check that the camera is on and the host and port in its URL are right". */
  hint: string;
}

const RULES: Array<{ test: RegExp; code: CameraErrorCode; problem: (protocol: string) => string; hint: string; connector?: string }> = [
  { test: /ENOENT|Cannot find ffmpeg/i, code: 'FFMPEG_MISSING', problem: () => 'ffmpeg is not installed', connector: ', needed to read', hint: 'install it: sudo apt-get install -y ffmpeg' },
  { test: /Connection refused/i, code: 'CONNECTION_REFUSED', problem: (p) => `${p} connection refused`, hint: 'check that the camera is on and the host and port in its URL are right' },
  { test: /No route to host|Network is unreachable|Host is unreachable/i, code: 'HOST_UNREACHABLE', problem: () => 'host unreachable', hint: "check the camera's IP address and the network route to it" },
  { test: /Name or service not known|Failed to resolve hostname|Temporary failure in name resolution|No address associated/i, code: 'DNS_FAILED', problem: () => 'cannot resolve the host name', hint: 'check the host name in the URL, or use the IP address' },
  { test: /401 Unauthorized|403 Forbidden/i, code: 'AUTH_FAILED', problem: (p) => `${p} authentication failed`, hint: 'check the user name and password in the URL (rtsp://user:password@host/...)' },
  { test: /404 Not Found|454 Session Not Found/i, code: 'STREAM_NOT_FOUND', problem: (p) => `${p} server has no stream at this path (404)`, hint: "check the stream path in the URL against the camera's documentation" },
  { test: /timed out/i, code: 'TIMEOUT', problem: (p) => `${p} connection timed out`, hint: 'check that the camera is reachable from this machine (network, firewall)' },
  {
    test: /Invalid data found when processing input|does not contain any stream|matches no streams|Could not find codec parameters|Unsupported|unspecified size/i,
    code: 'NOT_VIDEO',
    problem: () => 'no video stream',
    hint: "check that the URL points at the camera's video stream",
  },
];

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** The ffmpeg line worth showing: the last one that is not progress, stream details or a "[component @ 0x..]" note. */
export function lastMeaningfulLine(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (line && !/^\s/.test(raw) && !/^(frame=|video:|Exiting normally|\[|Input #|Output #|Stream mapping|Press \[q\])/.test(line)) return line;
  }
  return undefined;
}

export function diagnoseExit(outcome: RunOutcome): Diagnosis {
  const text = [...outcome.stderrTail, outcome.error?.message ?? ''].join('\n');
  // Exit code 0 means the input ended; of the log's complaints only a timeout says more than that.
  const rules = outcome.exitCode === 0 ? RULES.filter((r) => r.code === 'TIMEOUT') : RULES;
  for (const rule of rules) {
    if (!rule.test.test(text)) continue;
    // A server that accepts the connection and never answers makes ffmpeg 5.1 report "Invalid data"
    // after its socket timeout: say what really happened.
    if (rule.code === 'NOT_VIDEO' && outcome.frames === 0 && outcome.runMs >= outcome.socketTimeoutMs * 0.9 && !/Input #\d/.test(text)) {
      return {
        code: 'NO_ANSWER',
        problem: `${outcome.protocol} server accepted the connection but did not answer within ${seconds(outcome.socketTimeoutMs)}`,
        hint: "check that this port serves the camera's stream and not another service, and that the camera is not overloaded",
      };
    }
    if (rule.code === 'TIMEOUT' && outcome.frames > 0) {
      return { code: 'TIMEOUT', problem: `${outcome.protocol} stream sent no data for ${seconds(outcome.socketTimeoutMs)}`, hint: 'the camera stopped sending; check its network and load' };
    }
    return { code: rule.code, problem: rule.problem(outcome.protocol), hint: rule.hint, ...(rule.connector && { connector: rule.connector }) };
  }
  if (!outcome.error || outcome.exitCode === 0) {
    return { code: 'STREAM_ENDED', problem: `the ${outcome.protocol} stream ended`, hint: 'the camera or server closed the connection' };
  }
  const signal = /killed with signal (\w+)/.exec(outcome.error.message)?.[1];
  if (signal) {
    return { code: 'FFMPEG_FAILED', problem: `ffmpeg was killed by ${signal}`, connector: ' while reading', hint: 'check memory (the OOM killer) and anything else that kills processes' };
  }
  const line = lastMeaningfulLine(outcome.stderrTail) ?? outcome.error.message.split('\n')[0] ?? 'unknown error';
  return { code: 'FFMPEG_FAILED', problem: `ffmpeg failed: ${line}`, connector: ' while reading', hint: "see the log for ffmpeg's output" };
}
