'use strict';
// The sandbox (`recharged sandbox`, the real binary) against the wechatpay-axios-plugin SDK as a merchant:
// the SDK signs apply/query/close and verifies every 2xx answer with the sandbox's public key; the sandbox
// verifies the SDK's signatures. The sandbox's notifications are verified and decrypted with the SDK's
// Formatter/Rsa/Aes helpers. No step uses recharged's own client code.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const { Wechatpay } = require('wechatpay-axios-plugin');
const h = require('./lib/harness');

const ORDERS = 'v3/platsolution/ecommerce/recharges';

// A notify_url receiver: records every delivery, answers 204 when it verifies (with keys.publicPem under
// keys.serial) and decrypts (with keys.apiv3), 401 otherwise. `keys` is read at delivery time.
function receiver(keys) {
  const got = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      try {
        h.verifySigned(req.headers, body, keys.publicPem, keys.serial);
        const envelope = JSON.parse(body);
        got.push({ path: req.url, envelope, resource: h.openResource(envelope.resource, keys.apiv3) });
        res.writeHead(204).end();
      } catch (e) {
        got.push({ path: req.url, error: String(e) });
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"code":"FAIL","message":"失败"}');
      }
    });
  });
  return { server, got };
}

function sdkError(promise) {
  return promise.then(
    (r) => { throw new Error(`expected a refusal, got HTTP ${r.status}`); },
    (e) => e,
  );
}

h.main('interop: SDK client against the sandbox', async () => {
  const dir = h.tempDir('sandbox');
  const stateDir = path.join(dir, 'state');

  // The sandbox generates its keys on first start; the receiver needs its port before that, its keys after.
  const keys = {};
  const rx = receiver(keys);
  const deliveries = rx.got;
  await new Promise((r) => rx.server.listen(0, '127.0.0.1', r));
  const notifyTo = `http://127.0.0.1:${rx.server.address().port}`;

  h.step('start recharged sandbox on an ephemeral port, real time, manual payers');
  const sandbox = h.start(['sandbox', '--state-dir', stateDir, '--listen', '127.0.0.1:0', '--payers', 'manual',
    '--notify-to', notifyTo, '--seed', '7'], /platform on (http:\/\/127\.0\.0\.1:\d+)/);
  const base = (await sandbox.ready)[1];
  const ids = JSON.parse(fs.readFileSync(path.join(stateDir, 'sandbox.json'), 'utf8'));
  keys.publicPem = fs.readFileSync(path.join(stateDir, 'wxp_pub.pem'), 'utf8');
  keys.serial = ids.public_key_id;
  keys.apiv3 = fs.readFileSync(path.join(stateDir, 'apiv3.key'), 'utf8');
  const sub = ids.sub_mchids[0];
  const merchant = {
    mchid: ids.sp_mchid,
    serial: ids.merchant_serial_no,
    privateKey: fs.readFileSync(path.join(stateDir, 'apiclient_key.pem'), 'utf8'),
    certs: { [ids.public_key_id]: keys.publicPem },
    baseURL: `${base}/`,
    headers: { 'Wechatpay-Serial': ids.public_key_id },
  };
  const wx = new Wechatpay(merchant);
  const order = () => wx.v3.platsolution.ecommerce.recharges.outRechargeNo._out_recharge_no_;
  const query = (no) => order().get({ out_recharge_no: no, params: { sub_mchid: sub } });
  const close = (no) => order().close.post(undefined, { out_recharge_no: no, params: { sub_mchid: sub } });
  const apply = (no, extra = {}) => wx.chain(`${ORDERS}/apply`).post({
    sub_mchid: sub,
    out_recharge_no: no,
    recharge_scene: 'ECOMMERCE_DEPOSIT',
    account_type: 'DEPOSIT',
    recharge_amount: { amount: 10000, currency: 'CNY' },
    notify_url: 'https://merchant.example.com/wxpay/notify',
    available_recharge_channels: ['QR_RECHARGE', 'BANK_TRANSFER'],
    remark: '接口互测充值',
    ...extra,
  });
  const control = (p, body) => h.request(`${base}/sandbox/${p}`, body === undefined ? {} : {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });

  h.step('apply: the sandbox verifies the SDK signature, the SDK verifies the answer');
  const applied = await apply('SDK1');
  assert.equal(applied.status, 200);
  assert.equal(applied.data.out_recharge_no, 'SDK1');
  assert.match(applied.data.recharge_id, /^\d{1,27}$/);
  assert.ok(applied.data.recharge_url.startsWith('https://'));

  h.step('query: RECHARGING with the fields the page marks required');
  const q1 = await query('SDK1');
  assert.equal(q1.data.recharge_state, 'RECHARGING');
  assert.equal(q1.data.sp_mchid, ids.sp_mchid);
  assert.deepEqual(q1.data.recharge_amount, { amount: 10000, currency: 'CNY' });
  assert.deepEqual(q1.data.available_recharge_channels, ['QR_RECHARGE', 'BANK_TRANSFER']);

  h.step('the payer pays by QR; the query shows SUCCESS with the payer');
  assert.equal((await control('orders/SDK1/pay?channel=QR_RECHARGE&settle=now', {})).status, 200);
  const q2 = await query('SDK1');
  assert.equal(q2.data.recharge_state, 'SUCCESS');
  assert.equal(q2.data.recharge_channel, 'QR_RECHARGE');
  assert.ok(q2.data.qr_recharge_info.openid);
  assert.match(q2.data.success_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);

  h.step('RECHARGE.SUCCESS verifies and decrypts with the SDK helpers, and carries the remark');
  const success = await h.eventually('the RECHARGE.SUCCESS notification',
    () => deliveries.find((d) => d.envelope && d.envelope.event_type === 'RECHARGE.SUCCESS'));
  assert.equal(success.path, '/wxpay/notify');
  assert.equal(success.envelope.resource_type, 'encrypt-resource');
  assert.equal(success.resource.out_recharge_no, 'SDK1');
  assert.equal(success.resource.recharge_state, 'SUCCESS');
  assert.equal(success.resource.remark, '接口互测充值');

  h.step('close: the body-less POST as the SDK signs it; then RECHARGE.CLOSED');
  await apply('SDK2');
  const closed = await close('SDK2');
  assert.equal(closed.status, 200);
  assert.equal(closed.data.recharge_state, 'CLOSED');
  assert.equal(closed.data.recharge_state_desc, '平台商户主动关闭充值单');
  const closedNote = await h.eventually('the RECHARGE.CLOSED notification',
    () => deliveries.find((d) => d.envelope && d.envelope.event_type === 'RECHARGE.CLOSED'));
  assert.equal(closedNote.resource.out_recharge_no, 'SDK2');

  h.step('closing the paid order answers 200 with the order, still SUCCESS');
  const closePaid = await close('SDK1');
  assert.equal(closePaid.status, 200);
  assert.equal(closePaid.data.recharge_state, 'SUCCESS');

  h.step('answers the pages allow: unknown fields, nulls, close_time on SUCCESS, no currency — still verified');
  await control('faults', { extra_fields: 1, null_fields: 1, close_time_on_success: 1, omit_fields: 'recharge_amount.currency' });
  const odd = await query('SDK1');
  assert.ok('sandbox_unlisted_order' in odd.data);
  assert.equal(odd.data.bank_transfer_info, null);
  assert.ok(odd.data.close_time);
  assert.equal(odd.data.recharge_amount.currency, null); // left out, and written as null: nulls are on too
  assert.equal(odd.data.recharge_amount.amount, 10000);
  await control('faults', { extra_fields: 0, null_fields: 0, close_time_on_success: 0, omit_fields: '' });

  h.step('refusals: 404 NOT_FOUND, and 403 NO_AUTH for a sub-merchant configured so');
  const missing = await sdkError(query('SDK404'));
  assert.equal(missing.response.status, 404);
  assert.equal(missing.response.data.code, 'NOT_FOUND');
  await control('faults', { no_auth: `${sub}:no_auth_punished` });
  const denied = await sdkError(apply('SDK3'));
  assert.equal(denied.response.status, 403);
  assert.equal(denied.response.data.code, 'NO_AUTH');
  assert.equal(denied.response.data.message, '平台充值权限被处罚,无法发起充值');
  await control('faults', { no_auth: '' });

  h.step('the sandbox really verifies: an SDK holding another merchant key is refused with 401 SIGN_ERROR');
  const stranger = new Wechatpay({ ...merchant, privateKey: h.rsaPair().privatePem });
  const refused = await sdkError(stranger.v3.platsolution.ecommerce.recharges.outRechargeNo._out_recharge_no_.get(
    { out_recharge_no: 'SDK1', params: { sub_mchid: sub } }));
  assert.equal(refused.response.status, 401);
  assert.equal(refused.response.data.code, 'SIGN_ERROR');

  h.step('the SDK really verifies: a badly signed sandbox answer is rejected');
  await control('faults', { bad_signature: 1 });
  const forged = await sdkError(query('SDK1'));
  assert.equal(forged.code, 'EV3_RES_HEADER_SIGNATURE_DIGEST');
  await control('faults', { bad_signature: 0 });

  h.step('every delivery verified; the sandbox stops cleanly');
  assert.deepEqual(deliveries.filter((d) => d.error), []);
  assert.equal(await sandbox.stop(), 0);
  rx.server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
