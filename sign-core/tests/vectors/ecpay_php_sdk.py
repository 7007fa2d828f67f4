# ECPay's own PHP SDK CheckMacValue, transcribed step by step into Python (PHP is not installed
# here): github.com/ECPay/ECPayAIO_PHP, commit 5087fb9, AioSDK/sdk/ECPay.Payment.Integration.php,
# class ECPay_CheckMacValue (line 1586): generate() lines 1588-1625, merchantSort() (strcasecmp)
# lines 1630-1633, ecpay_urlencode() (urlencode, strtolower, Replace_Symbol) lines 1641-1653,
# Replace_Symbol() lines 1660-1676. Used for the `~`/`'` vectors in tests/vectors.rs; it first
# reproduces ECPay's published examples (developers.ecpay.com.tw/?p=2902 and ?p=38242).
import functools, hashlib

def php_urlencode(s):
    # PHP urlencode(): every byte except [A-Za-z0-9_.-] becomes %XX (upper-case hex), space '+'.
    out = []
    for b in s.encode('utf-8'):
        c = chr(b)
        if c.isascii() and (c.isalnum() or c in '-_.'):
            out.append(c)
        elif c == ' ':
            out.append('+')
        else:
            out.append('%%%02X' % b)
    return ''.join(out)

def php_strtolower(s):
    # PHP 8 strtolower() is ASCII-only; the encoded string is ASCII anyway.
    return ''.join(chr(ord(c) + 32) if 'A' <= c <= 'Z' else c for c in s)

def replace_symbol(s):
    for a, b in [('%2D', '-'), ('%2d', '-'), ('%5F', '_'), ('%5f', '_'), ('%2E', '.'), ('%2e', '.'),
                 ('%21', '!'), ('%2A', '*'), ('%2a', '*'), ('%28', '('), ('%29', ')')]:
        s = s.replace(a, b)
    return s

def ecpay_urlencode(s):
    return replace_symbol(php_strtolower(php_urlencode(s)))

def strcasecmp(a, b):
    a, b = php_strtolower(a).encode(), php_strtolower(b).encode()
    return (a > b) - (a < b)

def generate(params, hash_key, hash_iv, enc_type):
    params = {k: v for k, v in params.items() if k != 'CheckMacValue'}
    mac = 'HashKey=' + hash_key
    for k in sorted(params, key=functools.cmp_to_key(strcasecmp)):
        mac += '&' + k + '=' + params[k]
    mac += '&HashIV=' + hash_iv
    mac = ecpay_urlencode(mac)
    h = hashlib.sha256 if enc_type == 1 else hashlib.md5
    return h(mac.encode()).hexdigest().upper()

K, IV = 'pwFHCqoQZGmho4w6', 'EkRm7iFT261dpevs'
published = {
    'TradeDesc': '促銷方案', 'PaymentType': 'aio', 'MerchantTradeDate': '2023/03/12 15:30:23',
    'MerchantTradeNo': 'ecpay20230312153023', 'MerchantID': '3002607',
    'ReturnURL': 'https://www.ecpay.com.tw/receive.php', 'ItemName': 'Apple iphone 15',
    'TotalAmount': '30000', 'ChoosePayment': 'ALL', 'EncryptType': '1',
}
assert generate(published, K, IV, 1) == '6C51C9E6888DE861FD62FB1DD17029FC742634498FD813DC43D4243B5685B840'
md5_doc = {'RtnCode': '1', 'RtnMsg': '', 'IA_Allow_No': '1909181313013546', 'IA_Invoice_No': 'UV11100019',
           'IA_Date': '2019-09-18 13:13:23', 'IIS_Remain_Allowance_Amt': '0'}
assert generate(md5_doc, 'ejCk326UnaZWKisg', 'q9jcZX8Ib9LM8wYk', 0) == '50A276E71DAE26343013958B405EEEA0'
print('published p=2902 and p=38242 reproduced')

tilde = dict(published, ItemName="Men's T-shirt ~ size L x 1#Tom's mug x 2", TradeDesc="促銷方案 ~ 'VIP'")
print('encode', ecpay_urlencode("~'!*()-_. 促"))
print('tilde_sha256', generate(tilde, K, IV, 1))
print('tilde_md5', generate(tilde, K, IV, 0))

# reference.py's edge values without its case-only key pair (`b`/`B`), whose order the SDKs
# leave to their sort routine: `~ ' space + %`, emoji, an empty value.
edge = {'ItemName': "a~b'c d+e%f", 'TradeDesc': '促銷方案😀', 'Empty': ''}
print('edge_sha256', generate(edge, K, IV, 1))
print('edge_md5', generate(edge, K, IV, 0))
