// A minimal Node.js reverse proxy (what most gateways in this field are
// built on): keep-alive agent, adds the bearer token, forwards bytes.
// Usage: node node-proxy.js LISTEN_PORT UPSTREAM_PORT TOKEN
'use strict';
const http = require('http');
const [port, upstream, token] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
http.createServer((req, res) => {
  const headers = Object.assign({}, req.headers, { authorization: 'Bearer ' + token });
  delete headers.host;
  const up = http.request({ host: '127.0.0.1', port: upstream, method: req.method,
                            path: req.url, headers, agent }, (ur) => {
    res.writeHead(ur.statusCode, ur.headers);
    ur.pipe(res);
  });
  up.on('error', () => { res.writeHead(502); res.end(); });
  req.pipe(up);
}).listen(Number(port), '127.0.0.1');
