/** Every request's access-log line: the article's fields, then the request's wglab tag so a check finds its own line. */
export const accessLogFormat =
  '$remote_addr - - [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" wglab_request=$http_x_wglab_request';
export const accessLogPath = '/var/log/nginx/access.log';
/** The header that carries a request's tag. */
export const requestTagHeader = 'X-Wglab-Request';
/** The header that asks for a body of that many bytes (a check's `bytes:`), served from bodyDir. */
export const bodyBytesHeader = 'X-Wglab-Bytes';
/** Where a server keeps the bodies checks ask of it, one file per size, named by its size. */
export const bodyDir = '/var/www/wglab-bytes';
/** The lab CA's certificate on every node (also appended to the system's bundle, for users' own clients). */
export const labCaPath = '/etc/wglab/ca.pem';

/** Shell lines that make a server's body files: `<bodyDir>/<N>` holds N bytes. */
export function bodyFileLines(sizes: number[]): string[] {
  if (sizes.length === 0) return [];
  return [`mkdir -p ${bodyDir}`, ...sizes.map((size) => `head -c ${size} /dev/zero > ${bodyDir}/${size}`)];
}

/** The nginx site of a serving endpoint: HTTPS (and HTTP) on every address (IPv6 ones too, in labs with IPv6), logging the client address. */
export function nginxSite(serves: string, ipv6 = false): string {
  return `log_format wglab '${accessLogFormat}';
server {
    listen 443 ssl default_server;
    listen 80 default_server;
${ipv6 ? '    listen [::]:443 ssl default_server;\n    listen [::]:80 default_server;\n' : ''}    server_name ${serves};
    ssl_certificate /etc/wglab/tls/server.pem;
    ssl_certificate_key /etc/wglab/tls/server.key;
    access_log ${accessLogPath} wglab;
    location / {
        if ($http_x_wglab_bytes ~ "^[0-9]+$") {
            rewrite ^ /wglab-bytes/$http_x_wglab_bytes last;
        }
        default_type text/html;
        return 200 "<!DOCTYPE html>\\n<html><body><h1>${serves}</h1><p>served by a wglab lab</p></body></html>\\n";
    }
    location /wglab-bytes/ {
        internal;
        alias ${bodyDir}/;
        default_type application/octet-stream;
    }
}
`;
}
