# Independent reference implementation (Python stdlib only) used to produce the sign-core test vectors.
import hashlib, hmac, urllib.parse
def dotnet(s): return urllib.parse.quote_plus(s, safe='-_.!*()').replace('~', '%7E').lower()  # Python keeps ~, .NET encodes it
def cmv(params, key, iv, alg):
    ps = sorted([(k,v) for k,v in params if k!='CheckMacValue'], key=lambda kv:(kv[0].lower(), kv[0]))
    raw = 'HashKey='+key+'&'+'&'.join(k+'='+v for k,v in ps)+'&HashIV='+iv
    h = hashlib.sha256 if alg=='sha256' else hashlib.md5
    return h(dotnet(raw).encode()).hexdigest().upper()
K,IV='pwFHCqoQZGmho4w6','EkRm7iFT261dpevs'
print('edge1', cmv([('ItemName',"a~b'c d+e%f"),('TradeDesc','促銷方案😀'),('Empty',''),('b','2'),('B','1')],K,IV,'sha256'))
print('edge1md5', cmv([('ItemName',"a~b'c d+e%f"),('TradeDesc','促銷方案😀'),('Empty',''),('b','2'),('B','1')],K,IV,'md5'))
print('dup', cmv([('a','1'),('a','2')],K,IV,'sha256'), cmv([('a','2'),('a','1')],K,IV,'sha256'))
print('enc', dotnet("~'+ %促😀-_.!*()"))
def lj(secret, method, path, ts, nonce, site, body):
    c='\n'.join([method.upper(), path, str(ts), nonce, site, hashlib.sha256(body).hexdigest()])
    return 'sha256='+hmac.new(secret.encode(), c.encode(), hashlib.sha256).hexdigest()
print('lj1', lj('ljpay-test-secret','POST','/api/v1/orders?x=1',1700000000,'0123456789abcdef0123456789abcdef','SITE01',b'{"biz_order_no":"B1","amount_fen":100}'))
print('lj2', lj('ljpay-test-secret','GET','/gw/api/v1/orders/biz/A%2FB',1700000000,'0123456789abcdef0123456789abcdef','SITE01',b''))
print('oa', hmac.new(b'oct-secret', b'demo_merchant_1232024-01-01T00:00:00Zabcdef0123456789abcdef0123456789', hashlib.sha256).hexdigest())
wb=b'{"eventType":"payment.completed","transactionId":"oct_123456789","orderId":"550e8400-e29b-41d4-a716-446655440000","status":"completed","amount":100,"currency":"HKD","timestamp":"2024-01-01T00:05:00Z","merchantId":"demo_merchant_123"}'
print('ow', hmac.new(b'whsec_test', wb, hashlib.sha256).hexdigest())
print('wt', hashlib.md5('amount=2500&name=王小明&ok=true&rate=12.5&timestamp=1700000000&uid=M100&key=wattt-secret'.encode()).hexdigest())
print('wt2', hashlib.md5('amount=12.50&uid=M100&key=wattt-secret'.encode()).hexdigest())
