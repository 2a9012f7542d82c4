#!/usr/bin/env node
/**
 * The container's health check: GET /health on the node's own port, exit 0 when it answers 200 and 1
 * otherwise (refused, timed out, any other status). The port, address and TLS come from the node's
 * own configuration loader (SWITCHBOARD_CONFIG file < SWITCHBOARD_* variables), so the check cannot
 * disagree with the node it checks. Runs with plain `node`: slim images have no curl or wget.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { loadConfig } from '../../dist/config/index.js';

const TIMEOUT_MS = 2000;

/** The address to reach a node listening on `address`: loopback for the wildcard addresses. */
function hostFor(address) {
  if (address === '' || address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '::1';
  return address;
}

async function main() {
  const config = await loadConfig();
  const { port, address, tls } = config.http_server;
  const request = tls.enabled ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(
      {
        host: hostFor(address),
        port,
        path: '/health',
        method: 'GET',
        timeout: TIMEOUT_MS,
        // Liveness of the process on this machine, not the certificate's identity (checked by clients).
        rejectUnauthorized: false,
      },
      (res) => {
        res.resume();
        if (res.statusCode !== 200) console.error(`healthcheck: /health answered ${res.statusCode}`);
        resolve(res.statusCode === 200 ? 0 : 1);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', (error) => {
      console.error(`healthcheck: ${error.message}`);
      resolve(1);
    });
    req.end();
  });
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`healthcheck: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
