import type { RequestResult } from './verdict.ts';

/**
 * What curl said, from its exit code, its stderr and what `-w '%{http_code} %{local_port} %{remote_ip} %{remote_port}'`
 * wrote (run-check's request). curl writes 000 and 0 for what it never had: no HTTP answer, no connection.
 */
export function parseCurlResult(exitCode: number, stdout: string, stderr: string): RequestResult {
  const [status, localPort, remoteIp, remotePort, connect, tls, size] = stdout.trim().split(' ');
  const connectSeconds = Number(connect) > 0 ? Number(connect) : undefined;
  const tlsSeconds = Number(tls) > 0 ? Number(tls) : undefined;
  return {
    exitCode,
    httpStatus: positive(status),
    localPort: positive(localPort),
    remoteIp: remoteIp || undefined,
    remotePort: positive(remotePort),
    error: stderr.trim().replace(/^curl: \(\d+\) /, '') || undefined,
    ...(connectSeconds === undefined ? {} : { connectSeconds }),
    ...(tlsSeconds === undefined ? {} : { tlsSeconds }),
    ...(size === undefined || !/^\d+$/.test(size) ? {} : { bytesReceived: Number(size) }),
  };
}

const positive = (text: string | undefined) => (Number(text) > 0 ? Number(text) : undefined);
