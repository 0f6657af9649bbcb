'use strict';
// recharged (the real binary: apply, sync, close, and run's notification listener) against a platform written
// in Node with the wechatpay-axios-plugin helpers (lib/sdk_platform.js): the SDK's helpers verify every
// request recharged signs, recharged verifies the SDK-signed answers, and an SDK-sealed, SDK-signed
// RECHARGE.SUCCESS notification is accepted by the daemon.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const h = require('./lib/harness');
const { SdkPlatform } = require('./lib/sdk_platform');

const SUB = '1900000101';

function writeSecret(file, text) {
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

function configText({ dir, base, merchant, platform, notifyPort, calendar }) {
  const q = (s) => JSON.stringify(s);
  return `[merchant]
mchid = ${q(merchant.mchid)}
serial_no = ${q(merchant.serial)}
private_key_file = ${q(path.join(dir, 'apiclient_key.pem'))}
apiv3_key_file = ${q(path.join(dir, 'apiv3.key'))}

[platform]
base_url = ${q(base)}
backup_url = ""
public_key_id = ${q(platform.keyId)}
public_key_file = ${q(path.join(dir, 'wxp_pub.pem'))}
connect_timeout = "2s"
timeout = "10s"

[database]
path = ${q(path.join(dir, 'recharged.db'))}

[apply]
notify_url = "https://merchant.example.com/wxpay/notify"

[notify]
listen = "127.0.0.1:${notifyPort}"
path = "/wxpay/notify"

[metrics]
enabled = false

[log]
target = "stderr"
level = "info"

[calendar]
dirs = [${q(calendar)}]
`;
}

function json(result, what) {
  assert.equal(result.status, 0, `${what} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

h.main('interop: recharged against an SDK-built platform', async () => {
  const dir = h.tempDir('platform');
  const merchantKeys = h.rsaPair();
  const platformKeys = h.rsaPair();
  const merchant = { mchid: '1900000001', serial: crypto.randomBytes(20).toString('hex').toUpperCase(), publicPem: merchantKeys.publicPem };
  const platform = {
    privatePem: platformKeys.privatePem,
    keyId: `PUB_KEY_ID_${h.randomDigits(32)}`,
    apiv3Key: crypto.randomBytes(24).toString('base64').replace(/[^0-9A-Za-z]/g, 'x').slice(0, 32),
  };
  writeSecret(path.join(dir, 'apiclient_key.pem'), merchantKeys.privatePem);
  writeSecret(path.join(dir, 'apiv3.key'), platform.apiv3Key);
  fs.writeFileSync(path.join(dir, 'wxp_pub.pem'), platformKeys.publicPem);

  const sdk = new SdkPlatform({ merchant, platform, subs: [SUB] });
  const base = await sdk.listen();
  const notifyPort = await h.freePort();
  const calendar = path.resolve(__dirname, '../../data/calendar');
  const cfg = path.join(dir, 'recharged.toml');
  fs.writeFileSync(cfg, configText({ dir, base, merchant, platform, notifyPort, calendar }));
  const run = (...args) => h.recharged(['-c', cfg, ...args]);
  const migrated = await run('migrate'); // only migrate creates a database
  assert.equal(migrated.status, 0, `migrate exited ${migrated.status}: ${migrated.stderr}`);

  h.step('apply: the SDK helpers verify recharged\'s signature; recharged verifies the signed answer');
  const applied = json(await run('apply', '--sub-mchid', SUB, '--amount', '100.00', '--out-recharge-no', 'IOP1',
    '--remark', '接口互测', '--channel', 'QR_RECHARGE', '--json'), 'apply');
  assert.equal(applied.state, 'RECHARGING');
  assert.equal(applied.recharge_id, sdk.orders.get('IOP1').recharge_id);
  assert.ok(applied.recharge_url.startsWith('https://payapp.example.com/'));
  assert.deepEqual(sdk.orders.get('IOP1').recharge_amount, { amount: 10000, currency: 'CNY' });
  assert.equal(sdk.orders.get('IOP1').remark, '接口互测');

  h.step('sync: a SUCCESS answer shaped like the page\'s example (close_time on SUCCESS, no currency, extras)');
  sdk.pay('IOP1', 'QR_RECHARGE');
  const synced = json(await run('sync', 'IOP1', '--json'), 'sync');
  assert.equal(synced.state, 'SUCCESS');
  assert.equal(synced.recharge_channel, 'QR_RECHARGE');

  h.step('close: recharged sends the body-less POST with Content-Type application/json, signed over an empty line');
  json(await run('apply', '--sub-mchid', SUB, '--amount', '50.00', '--out-recharge-no', 'IOP2', '--json'), 'apply IOP2');
  const closed = json(await run('close', 'IOP2', '--json'), 'close');
  assert.equal(closed.state, 'CLOSED');
  const closeCall = sdk.requests.find((r) => r.method === 'POST' && r.target.includes('/IOP2/close'));
  assert.ok(closeCall, 'no close call reached the platform');
  assert.equal(closeCall.bodyLength, 0);
  assert.match(closeCall.contentType, /^application\/json/);

  h.step('close of an order paid just before the close call: the 200 SUCCESS answer is recorded SUCCESS');
  json(await run('apply', '--sub-mchid', SUB, '--amount', '60.00', '--out-recharge-no', 'IOP3', '--json'), 'apply IOP3');
  sdk.pay('IOP3', 'BANK_TRANSFER', { onClose: true });
  const late = await run('close', 'IOP3', '--json');
  assert.equal(late.status, 11, `close of a paid order must exit 11, exited ${late.status}: ${late.stderr}`);
  assert.equal(JSON.parse(late.stdout).state, 'SUCCESS');

  h.step('notification: run\'s listener accepts an SDK-sealed, SDK-signed RECHARGE.SUCCESS and refuses a forged one');
  json(await run('apply', '--sub-mchid', SUB, '--amount', '70.00', '--out-recharge-no', 'IOP4', '--json'), 'apply IOP4');
  const daemon = h.start(['-c', cfg, 'run']);
  await h.eventually('the notification listener', () => h.accepts(notifyPort));
  sdk.pay('IOP4', 'QR_RECHARGE');
  const url = `http://127.0.0.1:${notifyPort}/wxpay/notify`;
  const forged = sdk.notification('IOP4', { tamper: true });
  const refused = await h.request(url, { method: 'POST', headers: forged.headers, body: forged.body });
  assert.ok(refused.status >= 400 && refused.status < 600, `a forged notification got ${refused.status}`);
  const genuine = sdk.notification('IOP4');
  const accepted = await h.request(url, { method: 'POST', headers: genuine.headers, body: genuine.body });
  assert.ok([200, 204].includes(accepted.status), `the notification got ${accepted.status}: ${accepted.body}`);
  const shown = await h.eventually('IOP4 recorded SUCCESS', async () => {
    const r = await run('show', 'IOP4', '--json');
    const o = r.status === 0 ? JSON.parse(r.stdout) : null;
    return o && o.state === 'SUCCESS' ? o : null;
  });
  assert.ok(shown.notifications.some((n) => n.event_type === 'RECHARGE.SUCCESS'), 'the notification was not recorded');
  assert.equal(await daemon.stop(), 0, `the daemon did not stop cleanly:\n${daemon.output().stderr}`);

  h.step('every request recharged sent verified with the SDK helpers');
  assert.deepEqual(sdk.refusals, []);
  assert.ok(sdk.requests.length >= 10, `only ${sdk.requests.length} requests`);
  sdk.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
