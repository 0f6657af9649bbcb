'use strict';
// recharged's webhooks (the real daemon, `recharged run` against `recharged sandbox`) received by an endpoint
// written in Node that verifies every message with `standardwebhooks`, the Standard Webhooks reference library
// (not our code). The endpoint refuses the first attempt of each message with 503: recharged must retry with the
// same webhook-id and body, keep each order's messages in order, and record every delivery.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { Webhook } = require('standardwebhooks');

const h = require('./lib/harness');

function json(result, what) {
  assert.equal(result.status, 0, `${what} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

// The merchant's endpoint: verifies, refuses each message's first attempt, records what it accepted.
function endpoint(secret) {
  const wh = new Webhook(secret);
  const attempts = new Map(); // webhook-id -> bodies seen
  const accepted = [];        // {id, type, order, state} in arrival order
  const refusedSignatures = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload;
      try {
        payload = wh.verify(body, req.headers);
      } catch (e) {
        refusedSignatures.push(String(e));
        res.writeHead(400).end();
        return;
      }
      const id = req.headers['webhook-id'];
      const seen = attempts.get(id) || [];
      seen.push(body);
      attempts.set(id, seen);
      if (seen.length === 1) {
        res.writeHead(503).end('try again');
        return;
      }
      accepted.push({ id, type: payload.type, order: payload.data.order.out_recharge_no, state: payload.data.order.state });
      res.writeHead(204).end();
    });
  });
  return { server, attempts, accepted, refusedSignatures };
}

h.main('interop: recharged webhooks verified by standardwebhooks', async () => {
  const dir = h.tempDir('webhooks');
  const stateDir = path.join(dir, 'state');

  h.step('generate an endpoint secret with `recharged webhooks secret`');
  const secret = (await h.recharged(['webhooks', 'secret'])).stdout.trim();
  assert.match(secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
  const secretFile = path.join(dir, 'backoffice.whsec');
  fs.writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });

  const rx = endpoint(secret);
  await new Promise((r) => rx.server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${rx.server.address().port}/hooks/recharged`;

  h.step('start recharged sandbox, then recharged run with a [[webhooks]] endpoint');
  const sandbox = h.start(['sandbox', '--state-dir', stateDir, '--listen', '127.0.0.1:0', '--payers', 'manual',
    '--seed', '11'], /platform on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*config written to (\S+)/);
  const [, base, generated] = await sandbox.ready;
  const config = path.join(dir, 'recharged.toml');
  fs.writeFileSync(config, `${fs.readFileSync(generated, 'utf8')}
[[webhooks]]
name = "backoffice"
url = ${JSON.stringify(url)}
secret_file = ${JSON.stringify(secretFile)}
timeout = "5s"
`);
  const ids = JSON.parse(fs.readFileSync(path.join(stateDir, 'sandbox.json'), 'utf8'));
  const sub = ids.sub_mchids[0];
  const cli = (args) => h.recharged(['-c', config, ...args]);
  const migrated = await cli(['migrate']);
  assert.equal(migrated.status, 0, migrated.stderr);
  const daemon = h.start(['-c', config, 'run'], null);
  await h.eventually('the webhook endpoint to start', () => daemon.output().stderr.includes('event=webhook_endpoint_started'));

  h.step('three orders: two paid, one closed');
  for (const no of ['WH1', 'WH2', 'WH3'])
    json(await cli(['apply', '--sub-mchid', sub, '--amount', '100.00', '--out-recharge-no', no, '--json']), `apply ${no}`);
  for (const no of ['WH1', 'WH2']) {
    const paid = await h.request(`${base}/sandbox/orders/${no}/pay?channel=QR_RECHARGE&settle=now`, { method: 'POST' });
    assert.equal(paid.status, 200, paid.body);
    json(await cli(['sync', no, '--json']), `sync ${no}`);
  }
  json(await cli(['close', 'WH3', '--json']), 'close WH3');

  h.step('every message arrives, verified, after one refused attempt, each order in order');
  const expected = [['WH1', 'order.recharging'], ['WH1', 'order.succeeded'], ['WH2', 'order.recharging'],
    ['WH2', 'order.succeeded'], ['WH3', 'order.recharging'], ['WH3', 'order.closed']];
  await h.eventually('all six messages accepted', () => rx.accepted.length >= expected.length, 90);
  assert.deepEqual(rx.refusedSignatures, []);
  for (const [no, type] of expected)
    assert.equal(rx.accepted.filter((m) => m.order === no && m.type === type).length, 1, `${no} ${type}`);
  for (const no of ['WH1', 'WH2', 'WH3']) {
    const types = rx.accepted.filter((m) => m.order === no).map((m) => m.type);
    assert.equal(types[0], 'order.recharging', `${no} arrived as ${types}`);
  }
  for (const [id, bodies] of rx.attempts) {
    assert.equal(bodies.length, 2, `${id} was sent ${bodies.length} times`);
    assert.equal(bodies[0], bodies[1], `${id}: a retry must carry the same body`);
    assert.match(id, /^evt_\d+$/);
  }

  h.step('`recharged webhooks list` and `show` agree');
  await h.eventually('the daemon to record the last delivery', async () => {
    const list = json(await cli(['webhooks', 'list', '--json']), 'webhooks list');
    return list.length === 1 && list[0].delivered === 6 && list[0].pending === 0;
  });
  const shown = json(await cli(['webhooks', 'show', '--order', 'WH3', '--json']), 'webhooks show');
  assert.deepEqual(shown.map((d) => [d.type, d.state, d.attempts]).sort(),
    [['order.closed', 'delivered', 2], ['order.recharging', 'delivered', 2]]);

  assert.equal(await daemon.stop(), 0);
  assert.equal(await sandbox.stop(), 0);
  rx.server.close();
});
