'use strict';
// Plumbing for the interop tests: processes, temporary directories, ports, plain HTTP, waiting with deadlines,
// and the platform-side signing helpers built from the SDK's own Formatter/Rsa/Aes (never from recharged).

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { Formatter, Rsa, Aes } = require('wechatpay-axios-plugin');

const binary = process.env.RECHARGED_BINARY;
assert.ok(binary && fs.existsSync(binary), 'RECHARGED_BINARY must name the built recharged executable');

function step(text) {
  process.stdout.write(`-- ${text}\n`);
}

function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `recharged-interop-${prefix}-`));
}

// Polls `check` (sync or async) every 50 ms until it returns a truthy value; fails after `seconds`.
async function eventually(what, check, seconds = 60) {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.on('connect', () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
}

// A plain HTTP exchange: {status, headers, body}.
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// Runs `recharged ARGS…` to completion without blocking this process (its servers keep answering):
// resolves to {status, stdout, stderr}.
function recharged(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

// Starts a long-running recharged; resolves once `ready` matches a line of its stdout (the match is returned).
function start(args, ready) {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const matched = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = ready && out.match(ready);
      if (m) resolve(m);
    });
    child.on('exit', (code) => reject(new Error(`recharged ${args[0]} exited with ${code} before it was ready:\n${out}\n${err}`)));
  });
  if (!ready) matched.catch(() => {}); // nothing waits to be ready: a later exit is the caller's to check
  return {
    child,
    ready: ready ? matched : Promise.resolve(null),
    output: () => ({ stdout: out, stderr: err }),
    // SIGTERM, then the exit status.
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    }),
  };
}

// ---- the platform's side of the signing rules, with the SDK's helpers -----------------------------------

function rsaPair() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
  };
}

// Wechatpay-* headers signing `body` with `privatePem` under `serial`.
function signedHeaders(privatePem, serial, body) {
  const timestamp = Formatter.timestamp();
  const nonce = Formatter.nonce();
  return {
    'Wechatpay-Timestamp': String(timestamp),
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': serial,
    'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
    'Wechatpay-Signature': Rsa.sign(Formatter.response(timestamp, nonce, body), Rsa.from(privatePem, Rsa.KEY_TYPE_PRIVATE)),
  };
}

// Checks the Wechatpay-* headers of an answer or notification: all present, the expected serial, the clock
// within 300 s, and the signature over the raw body under `publicPem`.
function verifySigned(headers, body, publicPem, serial) {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  for (const name of ['wechatpay-timestamp', 'wechatpay-nonce', 'wechatpay-serial', 'wechatpay-signature'])
    assert.ok(h[name], `the ${name} header is missing`);
  assert.equal(h['wechatpay-serial'], serial);
  assert.ok(Math.abs(Formatter.timestamp() - Number(h['wechatpay-timestamp'])) < 300, 'the timestamp is off by 300 s or more');
  assert.ok(Rsa.verify(Formatter.response(h['wechatpay-timestamp'], h['wechatpay-nonce'], body), h['wechatpay-signature'],
    Rsa.from(publicPem, Rsa.KEY_TYPE_PUBLIC)), 'the signature does not verify');
}

function openResource(resource, apiv3Key) {
  assert.equal(resource.algorithm, 'AEAD_AES_256_GCM');
  return JSON.parse(Aes.AesGcm.decrypt(resource.ciphertext, apiv3Key, resource.nonce, resource.associated_data || ''));
}

function sealResource(plaintext, apiv3Key, nonce, associatedData) {
  return {
    original_type: 'recharge',
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: Aes.AesGcm.encrypt(plaintext, apiv3Key, nonce, associatedData),
    associated_data: associatedData,
    nonce,
  };
}

function randomDigits(n) {
  return Array.from(crypto.randomBytes(n), (b) => String(b % 10)).join('');
}

// Runs the named async steps in order and exits non-zero on the first failure, printing the time taken.
async function main(name, body) {
  const started = Date.now();
  try {
    await body();
    process.stdout.write(`${name}: ok in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    process.exit(0);
  } catch (e) {
    process.stderr.write(`${name}: FAILED: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  }
}

module.exports = {
  accepts, binary, eventually, freePort, main, openResource, randomDigits, recharged, request, rsaPair, sealResource,
  signedHeaders, start, step, tempDir, verifySigned,
};
