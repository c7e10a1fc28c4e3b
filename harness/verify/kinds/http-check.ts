import { entriesTagged } from '../../evidence/access-log.ts';
import { accessLogPath, bodyBytesHeader, labCaPath, requestTagHeader } from '../../lab/nginx-site.ts';
import { parseCurlResult } from '../curl-result.ts';
import { readOnce, type CheckKind } from './check-kind.ts';

/** An HTTP(S) request with curl, as the article sends it; nginx on the URL's server logs it with its tag. */
export const httpCheck: CheckKind = {
  async send(lab, { check, tag, ports, lane }, wait) {
    // A transfer (bytes:) is given up as stalled when nothing arrives for 3 s; it may take longer as a whole.
    const transfer =
      check.bytes === undefined
        ? []
        : [
            '-H',
            `${bodyBytesHeader}: ${check.bytes}`,
            '--speed-limit',
            '1',
            '--speed-time',
            String(Math.ceil(3 * wait.slowness)),
          ];
    const maxTime = (wait.brief ? 2 : 8 + (check.bytes ?? 0) / 5_000_000) * wait.slowness;
    const result = await lab.exec(
      check.from,
      [
        'curl',
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{local_port} %{remote_ip} %{remote_port} %{time_connect} %{time_appconnect} %{size_download}',
        '-H',
        `${requestTagHeader}: ${tag}`,
        '--local-port',
        `${ports.from}-${ports.to}`,
        '--connect-timeout',
        String(wait.connect),
        '--max-time',
        String(maxTime),
        ...transfer,
        // The lab's servers hold certificates of the lab CA alone: curl reads that one certificate rather than
        // the system's bundle (about 140, a third of its CPU per request).
        ...(check.insecure ? ['--insecure'] : lab.plan.web.length > 0 ? ['--cacert', labCaPath] : []),
        check.url!,
      ],
      { allowFailure: true, lane },
    );
    return { ...parseCurlResult(result.exitCode, result.stdout, result.stderr), localPorts: ports };
  },
  async logEntries(lab, sent) {
    const logs = await readOnce(
      lab,
      sent.flatMap((one) => (one.server === undefined ? [] : [{ node: one.server, path: accessLogPath }])),
    );
    return sent.map((one) => entriesTagged(logs.get(`${one.server} ${accessLogPath}`) ?? '', one.tag));
  },
};
