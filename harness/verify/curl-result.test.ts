import test from 'ava';
import { parseCurlResult } from './curl-result.ts';

// What curl 7.88 prints for `-w '%{http_code} %{local_port} %{remote_ip} %{remote_port}'` and on stderr.
test('an answer: status, the client port, where curl connected', (t) => {
  t.deepEqual(parseCurlResult(0, '200 40000 203.0.113.2 443', ''), {
    exitCode: 0,
    httpStatus: 200,
    localPort: 40000,
    remoteIp: '203.0.113.2',
    remotePort: 443,
    error: undefined,
  });
});

test("no connection: 000 and 0 are nothing, the message without curl's prefix", (t) => {
  t.deepEqual(parseCurlResult(28, '000 0  0', 'curl: (28) Connection timed out after 1001 milliseconds\n'), {
    exitCode: 28,
    httpStatus: undefined,
    localPort: undefined,
    remoteIp: undefined,
    remotePort: undefined,
    error: 'Connection timed out after 1001 milliseconds',
  });
});

test('a connection but no HTTP answer (TLS refused): the ports, no status', (t) => {
  t.deepEqual(
    parseCurlResult(
      60,
      '000 40002 203.0.113.2 443',
      'curl: (60) SSL certificate problem: unable to get local issuer certificate',
    ),
    {
      exitCode: 60,
      httpStatus: undefined,
      localPort: 40002,
      remoteIp: '203.0.113.2',
      remotePort: 443,
      error: 'SSL certificate problem: unable to get local issuer certificate',
    },
  );
});

test("nothing written at all; a message that is not curl's own kept whole", (t) => {
  t.deepEqual(parseCurlResult(127, '', 'sh: curl: not found'), {
    exitCode: 127,
    httpStatus: undefined,
    localPort: undefined,
    remoteIp: undefined,
    remotePort: undefined,
    error: 'sh: curl: not found',
  });
  t.is(
    parseCurlResult(6, '000 0  0', 'x curl: (6) Could not resolve host').error,
    'x curl: (6) Could not resolve host',
  );
});

test('space around what curl wrote is not a field', (t) => {
  t.like(parseCurlResult(0, ' 200 40000 203.0.113.2 443\n', ''), {
    httpStatus: 200,
    localPort: 40000,
    remoteIp: '203.0.113.2',
    remotePort: 443,
  });
});

test("time_connect and time_appconnect: the seconds to the connection and to TLS when there were, nothing for curl's 0", (t) => {
  t.like(parseCurlResult(0, '200 20000 203.0.113.2 443 0.004211 0.019', ''), {
    connectSeconds: 0.004211,
    tlsSeconds: 0.019,
  });
  t.false('tlsSeconds' in parseCurlResult(0, '200 20000 203.0.113.2 80 0.004211 0.000000', ''), 'plain http: no TLS');
  t.false('connectSeconds' in parseCurlResult(28, '000 0  0 0.000000', 'curl: (28) Connection timed out'));
});
