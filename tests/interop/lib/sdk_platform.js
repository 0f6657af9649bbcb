'use strict';
// A small WeChat Pay platform for the three recharge endpoints, written for this test from the reference
// pages with the wechatpay-axios-plugin helpers doing the protocol's cryptography: Formatter.request and
// Rsa.verify check each request's Authorization, Formatter.response and Rsa.sign sign each answer, and
// Aes.AesGcm seals notifications. It records every request and every rule a request broke.

const http = require('node:http');
const crypto = require('node:crypto');
const { Formatter, Rsa } = require('wechatpay-axios-plugin');
const h = require('./harness');

const APPLY = '/v3/platsolution/ecommerce/recharges/apply';
const ORDER = /^\/v3\/platsolution\/ecommerce\/recharges\/out-recharge-no\/([0-9A-Za-z]{1,64})(\/close)?\?sub_mchid=(\d{1,32})$/;

// `WECHATPAY2-SHA256-RSA2048 k="v",…` → {mchid, nonce_str, timestamp, serial_no, signature}, or null.
function readAuthorization(header) {
  const m = /^WECHATPAY2-SHA256-RSA2048 (.+)$/.exec(header || '');
  if (!m) return null;
  const fields = {};
  for (const part of m[1].split(',')) {
    const kv = /^([a-z_]+)="([^"]*)"$/.exec(part);
    if (!kv || kv[1] in fields) return null;
    fields[kv[1]] = kv[2];
  }
  const names = ['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature'];
  return names.every((n) => fields[n]) && Object.keys(fields).length === names.length ? fields : null;
}

// The pages forbid null anywhere in a request.
function hasNull(v) {
  if (v === null) return true;
  return typeof v === 'object' && Object.values(v).some(hasNull);
}

class SdkPlatform {
  // merchant: {mchid, serial, publicPem}; platform: {privatePem, keyId}; subs: accepted sub-merchants.
  constructor({ merchant, platform, subs }) {
    this.merchant = merchant;
    this.platform = platform;
    this.subs = subs;
    this.orders = new Map();
    this.requests = [];  // {method, target, contentType, bodyLength}
    this.refusals = [];  // rules broken, as text
    this.sequence = 0;
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  listen() {
    return new Promise((r) => this.server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${this.server.address().port}`)));
  }

  close() { this.server.close(); }

  // The payer pays now: the order is SUCCESS from here on (or, with `onClose`, only when the close arrives —
  // the payment that lands between the merchant's final query and its close call).
  pay(no, channel, { onClose = false } = {}) {
    const o = this.orders.get(no);
    if (onClose) o.payOnClose = channel;
    else this.settle(o, channel);
  }

  settle(o, channel) {
    Object.assign(o, { state: 'SUCCESS', channel, success_time: this.now(), desc: '充值成功' });
  }

  now() {
    return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00';
  }

  // The order as the query page's 200 example shows it: close_time even on SUCCESS, and (lenient as the page
  // allows) without recharge_amount.currency, with a field the page does not list and a null.
  deposit(o) {
    const d = {
      sp_mchid: this.merchant.mchid,
      sub_mchid: o.sub_mchid,
      recharge_id: o.recharge_id,
      out_recharge_no: o.out_recharge_no,
      account_type: o.account_type,
      recharge_state: o.state,
      recharge_scene: o.recharge_scene,
      recharge_state_desc: o.desc,
      recharge_amount: { amount: o.amount },
      accept_time: o.accept_time,
      available_recharge_channels: o.channels,
      promotion_detail_unlisted: { note: 'not on the page' },
      online_bank_recharge_info: null,
    };
    if (o.state === 'SUCCESS') {
      d.recharge_channel = o.channel;
      d.qr_recharge_info = { openid: 'owYiu0WOJdGCYxoHrPabGhI39uT4', employee_type: 'STAFF' };
      d.success_time = o.success_time;
      d.close_time = o.success_time;
    }
    if (o.state === 'CLOSED') d.close_time = o.close_time;
    if (!o.channels) delete d.available_recharge_channels;
    return d;
  }

  // Every request: Accept and User-Agent; Content-Type application/json and (for close) an empty body on POST;
  // the Authorization of this merchant, within 300 s, verifying over METHOD\nTARGET\nTS\nNONCE\nBODY\n.
  authenticate(req, body, isClose) {
    if (!req.headers.accept || !req.headers['user-agent']) return [400, 'INVALID_REQUEST', 'Http头缺少Accept或User-Agent'];
    if (req.method === 'POST') {
      const type = (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') return [400, 'INVALID_REQUEST', `Content-Type is '${req.headers['content-type']}'`];
      if (isClose && (body.length !== 0 || req.headers['content-length'] !== '0'))
        return [400, 'INVALID_REQUEST', 'the close carries a body'];
    }
    const auth = readAuthorization(req.headers.authorization);
    if (!auth) return [401, 'SIGN_ERROR', 'the Authorization header does not read'];
    if (auth.mchid !== this.merchant.mchid || auth.serial_no.toUpperCase() !== this.merchant.serial.toUpperCase())
      return [401, 'SIGN_ERROR', 'another merchant or certificate'];
    if (Math.abs(Formatter.timestamp() - Number(auth.timestamp)) >= 300) return [401, 'SIGN_ERROR', 'stale timestamp'];
    const message = Formatter.request(req.method, req.url, auth.timestamp, auth.nonce_str, body);
    if (!Rsa.verify(message, auth.signature, Rsa.from(this.merchant.publicPem, Rsa.KEY_TYPE_PUBLIC)))
      return [401, 'SIGN_ERROR', 'the signature does not verify'];
    const serial = req.headers['wechatpay-serial'];
    if (serial !== undefined && serial !== this.platform.keyId) return [400, 'INVALID_REQUEST', 'Wechatpay-Serial'];
    return null;
  }

  answer(res, status, object) {
    const body = JSON.stringify(object);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Request-ID': crypto.randomBytes(20).toString('hex').toUpperCase(),
      ...h.signedHeaders(this.platform.privatePem, this.platform.keyId, body),
    });
    res.end(body);
  }

  refuse(res, [status, code, message]) {
    this.refusals.push(`${status} ${code}: ${message}`);
    this.answer(res, status, { code, message });
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const m = ORDER.exec(req.url);
      const isApply = req.method === 'POST' && req.url === APPLY;
      const isQuery = req.method === 'GET' && m && !m[2];
      const isClose = req.method === 'POST' && m && m[2] === '/close';
      this.requests.push({ method: req.method, target: req.url, contentType: req.headers['content-type'], bodyLength: body.length });
      if (!isApply && !isQuery && !isClose) return this.refuse(res, [404, 'NOT_FOUND', `no route ${req.method} ${req.url}`]);
      const refused = this.authenticate(req, body, isClose);
      if (refused) return this.refuse(res, refused);
      if (isApply) return this.apply(res, body);
      const o = this.orders.get(m[1]);
      if (!o || o.sub_mchid !== m[3]) return this.answer(res, 404, { code: 'NOT_FOUND', message: '充值单不存在' });
      if (isClose) {
        if (o.payOnClose) this.settle(o, o.payOnClose);
        else if (o.state === 'RECHARGING')
          Object.assign(o, { state: 'CLOSED', close_time: this.now(), desc: '平台商户主动关闭充值单' });
      }
      return this.answer(res, 200, this.deposit(o));
    });
  }

  apply(res, body) {
    let r;
    try {
      r = JSON.parse(body);
    } catch (e) {
      return this.refuse(res, [400, 'PARAM_ERROR', 'the body is not JSON']);
    }
    const bad = [
      [typeof r.sub_mchid === 'string' && /^\d{1,32}$/.test(r.sub_mchid), '/sub_mchid'],
      [typeof r.out_recharge_no === 'string' && /^[0-9A-Za-z]{1,64}$/.test(r.out_recharge_no), '/out_recharge_no'],
      [r.recharge_scene === 'ECOMMERCE_DEPOSIT' && r.account_type === 'DEPOSIT', '/account_type'],
      [r.recharge_amount && Number.isInteger(r.recharge_amount.amount) && r.recharge_amount.amount > 0, '/recharge_amount/amount'],
      [r.recharge_amount && r.recharge_amount.currency === 'CNY', '/recharge_amount/currency'],
      [r.notify_url === undefined || /^https:\/\/[^?#]{1,1016}$/.test(r.notify_url), '/notify_url'],
      [r.remark === undefined || [...r.remark].length <= 20, '/remark'],
      [!hasNull(r), '/'],
    ].find(([ok]) => !ok);
    if (bad) return this.refuse(res, [400, 'PARAM_ERROR', `参数错误 ${bad[1]}`]);
    if (!this.subs.includes(r.sub_mchid)) return this.answer(res, 400, { code: 'INVALID_REQUEST', message: '入账账户不存在' });
    if (this.orders.has(r.out_recharge_no))
      return this.answer(res, 400, { code: 'INVALID_REQUEST', message: '该业务充值单号已存在' });
    const o = {
      ...r,
      amount: r.recharge_amount.amount,
      channels: r.available_recharge_channels,
      recharge_id: `1002026${String(++this.sequence).padStart(14, '0')}`,
      state: 'RECHARGING',
      desc: '充值中',
      accept_time: this.now(),
    };
    this.orders.set(r.out_recharge_no, o);
    return this.answer(res, 200, {
      recharge_id: o.recharge_id,
      out_recharge_no: o.out_recharge_no,
      recharge_url: `https://payapp.example.com/plat/recharge.html?id=${o.recharge_id}`,
    });
  }

  // RECHARGE.SUCCESS for a paid order, sealed and signed as the platform sends it; `tamper` spoils the
  // signature by signing another body.
  notification(no, { tamper = false } = {}) {
    const o = this.orders.get(no);
    const plaintext = JSON.stringify({ ...this.deposit(o), remark: o.remark });
    const envelope = JSON.stringify({
      id: `EV-${Date.now()}${this.sequence++}`,
      create_time: this.now(),
      resource_type: 'encrypt-resource',
      event_type: 'RECHARGE.SUCCESS',
      summary: '充值成功',
      resource: h.sealResource(plaintext, this.platform.apiv3Key, Formatter.nonce(12), 'recharge'),
    });
    const headers = h.signedHeaders(this.platform.privatePem, this.platform.keyId, tamper ? `${envelope} ` : envelope);
    return { body: envelope, headers: { ...headers, 'Content-Type': 'application/json', 'User-Agent': 'Mozilla/4.0' } };
  }
}

module.exports = { SdkPlatform };
