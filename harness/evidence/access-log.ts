/** One nginx access-log line in wglab's format (the article's combined-style fields, then the request tag). */
export interface AccessLogEntry {
  remoteAddr: string;
  time: string;
  request: string;
  status: number;
  bytes: number;
  referer: string;
  userAgent: string;
  /** The X-Wglab-Request header of the request, or undefined when it had none. */
  tag?: string;
  line: string;
}

const pattern =
  /^(\S+) \S+ \S+ \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"(?: wglab_request=(\S+))?$/;

/** Parses one line; undefined when it is not an access-log line. */
export function parseAccessLogLine(line: string): AccessLogEntry | undefined {
  const match = pattern.exec(line.trim());
  if (!match) return undefined;
  const [, remoteAddr, time, request, status, bytes, referer, userAgent, tag] = match;
  return {
    remoteAddr: remoteAddr!,
    time: time!,
    request: request!,
    status: Number(status),
    bytes: bytes === '-' ? 0 : Number(bytes),
    referer: referer!,
    userAgent: userAgent!,
    tag: tag === '-' ? undefined : tag,
    line: line.trim(),
  };
}

/** The lines of a log that carry `tag`: the request a check made, whatever else the server logged. */
export function entriesTagged(log: string, tag: string): AccessLogEntry[] {
  return log
    .split('\n')
    .map(parseAccessLogLine)
    .filter((entry): entry is AccessLogEntry => entry?.tag === tag);
}
