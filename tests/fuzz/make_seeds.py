#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ (committed; rerun after changing how a target reads
its input). Each seed is laid out the way the target's FuzzedDataProvider reads it: integers are taken from the
end of the input (last byte first), strings from the front (ConsumeRandomLengthString ends a string at a
backslash followed by any other byte; a backslash in the text is doubled)."""

import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent

SP_MCHID = "1900000001"
SUB_MCHID = "1900000101"
NO = "RC20261123100000aZ3k9QpL"
RECHARGE_ID = "1217752501201407033233368018"
KEY_ID = "PUB_KEY_ID_0114232701222025112300000000000001"
SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"


class Seed:
    """Builds one input: front() appends strings, back() prepends integer bytes to the tail."""

    def __init__(self):
        self.head = b""
        self.tail = b""  # consumed from its last byte backwards

    def string(self, text):
        raw = text.encode() if isinstance(text, str) else text
        self.head += raw.replace(b"\\", b"\\\\") + b"\\;"
        return self

    def rest(self, text):
        self.head += text.encode() if isinstance(text, str) else text
        return self

    # Integers are added in the order the target consumes them (each goes in front of the tail).
    def byte(self, value):
        self.tail = bytes([value & 0xFF]) + self.tail
        return self

    def u16(self, value):  # a range that needs two bytes: the high byte is consumed first
        self.tail = bytes([value & 0xFF, (value >> 8) & 0xFF]) + self.tail
        return self

    def data(self):
        return self.head + self.tail


def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def deposit(state="RECHARGING", **changes):
    d = {
        "sp_mchid": SP_MCHID, "sub_mchid": SUB_MCHID, "recharge_id": RECHARGE_ID, "out_recharge_no": NO,
        "account_type": "DEPOSIT", "recharge_state": state, "recharge_scene": "ECOMMERCE_DEPOSIT",
        "recharge_state_desc": {"RECHARGING": "充值中", "SUCCESS": "充值成功", "CLOSED": "平台商户主动关闭充值单"}.get(state, "?"),
        "recharge_amount": {"amount": 10000, "currency": "CNY"},
        "accept_time": "2026-11-23T09:30:00+08:00",
        "available_recharge_channels": ["BANK_TRANSFER", "QR_RECHARGE", "ONLINE_BANK"],
    }
    if state == "SUCCESS":
        d["recharge_channel"] = "BANK_TRANSFER"
        d["success_time"] = "2026-11-23T09:41:07+08:00"
        d["bank_transfer_info"] = {"bill_no": "B2026112300001", "memo": "RC", "bank_name": "招商银行",
                                   "bank_card_tail": "0123", "bank_account_name": "某某有限公司"}
    if state == "CLOSED":
        d["close_time"] = "2026-11-29T09:30:00+08:00"
    d.update(changes)
    return d


def error(code, message, **detail):
    e = {"code": code, "message": message}
    if detail:
        e["detail"] = detail
    return e


# api_response: endpoint, signing, local state, status bool+index | int, then header bytes, then the body.
STATUS_INDEX = {200: 0, 202: 1, 204: 2, 400: 3, 401: 4, 403: 5, 404: 6, 429: 7, 500: 8, 502: 9, 503: 10}
ENDPOINT = {"apply": 0, "query": 1, "close": 2}
STATE = {"NEW": 0, "RECHARGING": 1, "CLOSING": 2, "SUCCESS": 3, "CLOSED": 4, "REJECTED": 5, "SUSPECT": 6}


def api_seed(endpoint, status, body, local="RECHARGING", signing="valid", skew=0, raw_headers=None):
    headers = Seed()
    if signing == "valid":
        headers.u16(skew + 400).string("08F1A2B3C4D5E6F708192A3B4C5D6E7F")
    elif signing == "fuzzed":
        for h in raw_headers:
            headers.string(h)
        headers.string("08F1A2B3C4D5E6F708192A3B4C5D6E7F")
    s = Seed().string(headers.data()).rest(body)
    s.byte(ENDPOINT[endpoint]).byte({"fuzzed": 0, "valid": 1, "none": 2}[signing]).byte(STATE[local])
    s.byte(1).byte(STATUS_INDEX[status])  # ConsumeBool() = 1: a common status from the table
    return s.data()


def api_response_seeds():
    apply_ok = compact({"recharge_id": RECHARGE_ID, "out_recharge_no": NO,
                        "recharge_url": "https://pay.weixin.qq.com/plat/recharge.html?id=abc"})
    return {
        "apply_ok": api_seed("apply", 200, apply_ok, "NEW"),
        "apply_duplicate": api_seed("apply", 400, compact(error("INVALID_REQUEST", "该业务充值单号已存在")), "NEW"),
        "apply_param_error": api_seed("apply", 400, compact(error("PARAM_ERROR", "参数错误", field="/remark",
                                                                  value="x", issue="too long", location="body")), "NEW"),
        "apply_over_limit": api_seed("apply", 400, compact(error("INVALID_REQUEST", "单笔充值金额超过上限")), "NEW"),
        "query_recharging": api_seed("query", 200, compact(deposit("RECHARGING"))),
        "query_success": api_seed("query", 200, compact(deposit("SUCCESS"))),
        "query_success_from_new": api_seed("query", 200, compact(deposit("SUCCESS")), "NEW"),
        "query_success_wrong_amount": api_seed("query", 200, compact(deposit("SUCCESS", recharge_amount={"amount": 10001, "currency": "CNY"}))),
        "query_success_other_sub": api_seed("query", 200, compact(deposit("SUCCESS", sub_mchid="1900000102"))),
        "query_closed_on_success": api_seed("query", 200, compact(deposit("CLOSED")), "SUCCESS"),
        "query_unknown_state": api_seed("query", 200, compact(deposit("REFUNDED", account_type="FEES"))),
        "query_qr": api_seed("query", 200, compact(deposit("SUCCESS", recharge_channel="QR_RECHARGE", bank_transfer_info=None,
                                                           qr_recharge_info={"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
                                                                             "employee_type": "ADMIN"}))),
        "query_not_found": api_seed("query", 404, compact(error("NOT_FOUND", "充值单不存在"))),
        "query_rate_limited": api_seed("query", 429, compact(error("FREQUENCY_LIMITED", "频率超限"))),
        "query_system_error": api_seed("query", 500, compact(error("SYSTEM_ERROR", "系统异常,请稍后重试"))),
        "query_stale_signature": api_seed("query", 200, compact(deposit("SUCCESS")), skew=-350),
        "query_unsigned": api_seed("query", 200, compact(deposit("SUCCESS")), signing="none"),
        "query_probe": api_seed("query", 200, compact(deposit("SUCCESS")), signing="fuzzed",
                                raw_headers=["1795000000", "nonce", KEY_ID, "WECHATPAY/SIGNTEST/abcd"]),
        "close_closed": api_seed("close", 200, compact(deposit("CLOSED")), "CLOSING"),
        "close_on_success": api_seed("close", 400, compact(error("INVALID_REQUEST", "充值单已成功,无法关闭")), "CLOSING"),
    }


# notification: shape, local state, skew (two bytes), then per shape.
def notification_seed(shape, local="RECHARGING", skew=0, **parts):
    s = Seed().byte({"raw": 0, "signed": 1, "sealed": 2}[shape]).byte(STATE[local]).u16(skew + 400)
    if shape == "raw":
        for h in parts["headers"]:
            s.string(h)
        s.rest(parts["body"])
    elif shape == "signed":
        s.rest(parts["body"])
    else:  # sealed: id, event type (bool + index, or fuzzed), summary, nonce, associated data, key, plaintext
        s.string(parts.get("id", "EV-2026112310000001"))
        s.string(parts.get("summary", "充值成功"))
        s.rest(parts["plaintext"])
        event_index = {"RECHARGE.SUCCESS": 0, "RECHARGE.CLOSED": 1, "RECHARGE.FUND_RETURNED": 2}[parts["event"]]
        s.byte(0).byte(event_index)  # event type: from the table
        s.byte(0)  # nonce: from the table (one entry: no index byte)
        s.byte(0).byte(0)  # associated data: from the table, "recharge"
        s.byte(1)  # key: the APIv3 key
    return s.data()


def notification_seeds():
    returned = {"recharge_returned_id": "RT20261123000001", "sp_mchid": SP_MCHID, "sub_mchid": SUB_MCHID,
                "out_recharge_no": NO, "recharge_id": RECHARGE_ID, "recharge_channel": "BANK_TRANSFER",
                "bank_name": "招商银行", "bank_card_tail": "0123", "bank_account_name": "某某有限公司",
                "return_reason": "付款人名称与二级商户名称不一致", "amount": {"amount": 10000, "currency": "CNY"},
                "return_time": "2026-11-23T10:05:00+08:00"}
    envelope = {"id": "EV-1", "create_time": "2026-11-23T10:00:00+08:00", "event_type": "RECHARGE.SUCCESS",
                "resource_type": "encrypt-resource", "summary": "充值成功",
                "resource": {"original_type": "recharge", "algorithm": "AEAD_AES_256_GCM", "ciphertext": "AAAA",
                             "associated_data": "recharge", "nonce": "fuzznonce123"}}
    return {
        "sealed_success": notification_seed("sealed", event="RECHARGE.SUCCESS", plaintext=compact(deposit("SUCCESS"))),
        "sealed_success_from_new": notification_seed("sealed", "NEW", event="RECHARGE.SUCCESS", plaintext=compact(deposit("SUCCESS"))),
        "sealed_success_wrong_amount": notification_seed("sealed", event="RECHARGE.SUCCESS",
                                                         plaintext=compact(deposit("SUCCESS", recharge_amount={"amount": 1, "currency": "CNY"}))),
        "sealed_closed": notification_seed("sealed", "CLOSING", event="RECHARGE.CLOSED", plaintext=compact(deposit("CLOSED"))),
        "sealed_closed_on_success": notification_seed("sealed", "SUCCESS", event="RECHARGE.CLOSED", plaintext=compact(deposit("CLOSED"))),
        "sealed_fund_returned": notification_seed("sealed", event="RECHARGE.FUND_RETURNED", plaintext=compact(returned)),
        "sealed_stale": notification_seed("sealed", skew=320, event="RECHARGE.SUCCESS", plaintext=compact(deposit("SUCCESS"))),
        "signed_envelope": notification_seed("signed", body=compact(envelope)),
        "raw_probe": notification_seed("raw", headers=["1795000000", "nonce", KEY_ID, "WECHATPAY/SIGNTEST/xyz"],
                                       body=compact(envelope)),
        "raw_unknown_serial": notification_seed("raw", headers=["1795000000", "nonce", "PUB_KEY_ID_0000", "c2lnbmF0dXJl"],
                                                body=compact(envelope)),
    }


def config_seeds():
    example = (HERE.parent.parent / "etc" / "recharged.toml.example").read_text()
    minimal = """[merchant]
mchid = "1900000001"
serial_no = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
private_key_file = "credential:apiclient_key.pem"
apiv3_key_file = "credential:apiv3.key"

[platform]
public_key_id = "PUB_KEY_ID_0114232701222025112300000000000001"
public_key_file = "/etc/recharged/pub_key.pem"
"""
    sandboxish = minimal + """
[platform]
base_url = "http://127.0.0.1:8470"
"""
    full = minimal.replace('[platform]\n', '[platform]\nbase_url = "http://127.0.0.1:8470"\nbackup_url = ""\n'
                           'connect_timeout = "1s"\ntimeout = "3s"\n') + """
[database]
path = "recharged.db"
busy_timeout = "1s"

[apply]
notify_url = "https://pay.example.com/wxpay/recharge-notify"
channels = ["BANK_TRANSFER", "QR_RECHARGE"]
out_recharge_no_prefix = "RC"

[notify]
enabled = true
listen = "127.0.0.1:8480"
path = "/wxpay/recharge-notify"

[metrics]
enabled = false
listen = "127.0.0.1:0"

[log]
target = "file"
file = "recharged.log"
level = "debug"

[limits]
concurrency = 4
query_rate = 20.5
apply_rate = 5
close_rate = 5
burst = 10

[calendar]
dirs = ["/usr/share/recharged/calendar", "/etc/recharged/calendar"]

[clock]
speed = 300.000000
virtual_origin = "2026-11-23T10:00:00+08:00"
real_origin = "2026-11-23T02:00:00+00:00"

[schedule]
stale_close_age = "1h"
close_latest_age = "1h20m"
"""
    return {"example": example, "minimal": minimal, "duplicate_table": sandboxish, "full": full,
            "bad_value": minimal + '\n[limits]\nconcurrency = -4\nquery_rate = "fast"\n',
            "unknown_key": minimal + '\n[database]\npath = "x.db"\nbusy_timout = "1s"\n'}


def cli_seeds():
    def argv(*args):
        return "\0".join(args).encode()
    return {
        "apply": argv("apply", "--sub-mchid", SUB_MCHID, "--amount", "500.00", "--out-recharge-no", NO, "--scene",
                      "ECOMMERCE_DEPOSIT", "--account-type", "DEPOSIT", "--channel", "BANK_TRANSFER", "--notify-url",
                      "https://pay.example.com/wxpay/recharge-notify", "--remark", "充值备注", "--json"),
        "apply_units": argv("-c", "/nonexistent.toml", "-v", "apply", "--sub-mchid", SUB_MCHID, "--amount", "50000fen"),
        "apply_yuan_unit": argv("apply", "--sub-mchid", SUB_MCHID, "--amount", "500元", "--remark", "x'); DROP TABLE orders;--"),
        "list": argv("list", "--state", "RECHARGING", "--state", "SUCCESS", "--sub-mchid", SUB_MCHID, "--since", "7d",
                     "--until", "2026-11-23T10:00:00+08:00", "--limit", "50", "--json"),
        "list_huge_age": argv("list", "--since", "99999999999d"),
        "show": argv("show", NO, "--json"),
        "sync_close": argv("close", NO),
        "schedule": argv("schedule", "simulate", "--channel", "BANK_TRANSFER", "--created", "2026-09-30T16:00:00+08:00", "--json"),
        "schedule_explain": argv("schedule", "explain", NO),
        "sandbox": argv("sandbox", "--listen", "127.0.0.1:0", "--speed", "60", "--fault-500", "0.1", "--payer-mix", "qr=1"),
        "check": argv("check", "--json"),
        "version": argv("--version"),
        "apply_request": argv(SUB_MCHID, NO, "ECOMMERCE_DEPOSIT", "DEPOSIT", "500.00",
                              "https://pay.example.com/wxpay/recharge-notify", "备注", "QR_RECHARGE", "ONLINE_BANK"),
    }


# sandbox_request: control, answer-shape bits, route, no, sub, [method, target], Accept, User-Agent,
# Content-Type, Wechatpay-Serial, valid auth, skew, auth, body. Content-Type defaults to JSON on POST routes.
def sandbox_seed(route, body="", no=NO, sub=SUB_MCHID, valid=True, accept=True, agent=True, serial=None, auth="",
                 skew=0, control="server_error=0.1", shape=0, content_type=None):
    if content_type is None:
        content_type = route in ("apply", "close", "elsewhere")
    s = Seed().string(control).string(no).string(sub)
    routes = {"apply": 0, "query": 1, "close": 2, "elsewhere": 3}
    if route == "elsewhere":
        s.string("/sandbox/orders/" + no + "/pay?channel=QR_RECHARGE")
    s.string(auth).rest(body)
    # from the end, in the order the target reads them
    tail = [shape, routes[route]]
    if route == "elsewhere":
        tail.append(1)  # method: POST
    tail += [1 if accept else 0, 1 if agent else 0]
    tail += [1, 1] if content_type else [0]  # Content-Type: application/json; charset=utf-8
    tail += [1 if serial is not None else 0]
    if serial is not None:
        tail.append(1 if serial == KEY_ID else 0)
        if serial != KEY_ID:
            raise ValueError("only the key id is supported as a fixed serial")
    tail.append(1 if valid else 0)
    for b in tail:
        s.byte(b)
    s.u16(skew + 400)
    return s.data()


def sandbox_request_seeds():
    apply_body = compact({"sub_mchid": SUB_MCHID, "out_recharge_no": NO, "recharge_scene": "ECOMMERCE_DEPOSIT",
                          "account_type": "DEPOSIT", "recharge_amount": {"amount": 10000, "currency": "CNY"},
                          "notify_url": "https://pay.example.com/wxpay/recharge-notify",
                          "available_recharge_channels": ["BANK_TRANSFER", "QR_RECHARGE"], "remark": "充值"})
    big = apply_body.replace("10000", "2000000001")
    return {
        "apply": sandbox_seed("apply", apply_body),
        "apply_with_serial": sandbox_seed("apply", apply_body, serial=KEY_ID),
        "apply_over_limit": sandbox_seed("apply", big, control="payer=qr=1"),
        "apply_malformed": sandbox_seed("apply", '{"sub_mchid":1900000101,"recharge_amount":{}}'),
        "apply_other_sub": sandbox_seed("apply", apply_body.replace(SUB_MCHID, "1900000999")),
        "query": sandbox_seed("query"),
        "query_bad_no": sandbox_seed("query", no="RC-1?x=y"),
        "close": sandbox_seed("close"),
        "close_without_content_type": sandbox_seed("close", content_type=False),
        "close_with_body": sandbox_seed("close", body="null"),
        "query_every_shape": sandbox_seed("query", shape=0xFF),
        "apply_null": sandbox_seed("apply", apply_body.replace('"充值"', "null")),
        "stale": sandbox_seed("query", skew=-310),
        "no_agent": sandbox_seed("query", agent=False),
        "forged_auth": sandbox_seed("query", valid=False,
                                    auth='WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="n",timestamp="-9223372036854775808",'
                                         'serial_no="' + SERIAL + '",signature="c2ln"'),
        "elsewhere": sandbox_seed("elsewhere", control="never=0.1,qr=0.5,bank=0.3,online=0.1,qr_delay=4m"),
    }


def api_request_seed(mode, pairs=None, body=None, strings=()):
    """mode 0: a create body; 1, 2: list or events query pairs; 3: Idempotency-Key, cursor, Authorization."""
    seed = Seed().byte(mode)
    if pairs is not None:
        seed.byte(len(pairs))
        for k, v in pairs:
            seed.string(k).string(v)
    for text in strings[:-1]:
        seed.string(text)
    if strings:
        seed.rest(strings[-1])
    if body is not None:
        seed.rest(body)
    return seed.data()


def api_request_seeds():
    create = {"sub_mchid": SUB_MCHID, "amount_fen": 50000, "out_recharge_no": NO, "recharge_scene": "ECOMMERCE_DEPOSIT",
              "account_type": "DEPOSIT", "channels": ["BANK_TRANSFER", "QR_RECHARGE"],
              "notify_url": "https://pay.example.com/wxpay/recharge-notify", "remark": "充值"}
    return {
        "create": api_request_seed(0, body=compact(create)),
        "create_minimal": api_request_seed(0, body=compact({"sub_mchid": SUB_MCHID, "amount_fen": 1})),
        "create_wrong_types": api_request_seed(0, body='{"sub_mchid":1900000101,"amount_fen":"500.00","channels":[1]}'),
        "create_unknown_field": api_request_seed(0, body='{"sub_mchid":"1900000101","amount_fen":5,"colour":"red"}'),
        "create_truncated": api_request_seed(0, body='{"sub_mchid":"19000'),
        "list": api_request_seed(1, [("state", "recharging,SUCCESS"), ("sub_mchid", SUB_MCHID), ("since", "24h"),
                                     ("until", "2026-11-23T00:00:00+08:00"), ("limit", "2")]),
        "list_after": api_request_seed(1, [("after", "2026-11-23T02:00:00.000Z~123"), ("state", "NEW")]),
        "list_bad": api_request_seed(1, [("limit", "0"), ("colour", "red")]),
        "events": api_request_seed(2, [("after", "42"), ("limit", "100"), ("wait", "30s")]),
        "events_event_id": api_request_seed(2, [("after", "evt_7"), ("wait", "1h")]),
        "headers": api_request_seed(3, strings=("key-7f3a", "evt_12", "Bearer 0123456789abcdef0123456789abcdef")),
        "headers_bad": api_request_seed(3, strings=("", "-1", "Basic dXNlcjpwYXNz")),
    }


def main():
    targets = {"api_request": api_request_seeds(), "api_response": api_response_seeds(), "notification": notification_seeds(), "config": config_seeds(),
               "cli_args": cli_seeds(), "sandbox_request": sandbox_request_seeds()}
    only = set(sys.argv[1:])
    for target, seeds in targets.items():
        if only and target not in only:
            continue
        out = HERE / "corpus" / target
        out.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (out / name).write_bytes(data.encode() if isinstance(data, str) else data)
        print(f"{target}: {len(seeds)} seeds in {out.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
