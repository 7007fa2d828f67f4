// Runs ECPay's own Node.js SDK (github.com/ECPay/ECPayAIO_Node.js, commit e6971ce,
// ECPAY_Payment_node_js/lib/ecpay_payment/helper.js: `urlencode_dot_net` lines 44-65,
// `gen_chk_mac_value` lines 76-114) on the `~`/`'` vectors in tests/vectors.rs. The SDK file is
// not copied here: pass the path of helper.js from a checkout of that repository.
//
//   node ecpay_node_sdk.js /path/to/ECPayAIO_Node.js/ECPAY_Payment_node_js/lib/ecpay_payment/helper.js
//
// It first reproduces ECPay's published example (developers.ecpay.com.tw/?p=2902), so a
// wrong path or a changed SDK shows before any new value is printed.
const APIHelper = require(process.argv[2]);
const stage = (key, iv) =>
  new APIHelper({ MercProfile: { MerchantID: '3002607', HashKey: key, HashIV: iv } });

const sdk = stage('pwFHCqoQZGmho4w6', 'EkRm7iFT261dpevs');
const published = {
  TradeDesc: '促銷方案', PaymentType: 'aio', MerchantTradeDate: '2023/03/12 15:30:23',
  MerchantTradeNo: 'ecpay20230312153023', MerchantID: '3002607',
  ReturnURL: 'https://www.ecpay.com.tw/receive.php', ItemName: 'Apple iphone 15',
  TotalAmount: '30000', ChoosePayment: 'ALL', EncryptType: '1',
};
const got = sdk.gen_chk_mac_value(published, 1);
if (got !== '6C51C9E6888DE861FD62FB1DD17029FC742634498FD813DC43D4243B5685B840') {
  throw new Error(`SDK does not reproduce the published ?p=2902 vector: ${got}`);
}
console.log('published p=2902 reproduced', got);

// The published example with `~` and `'` in ItemName and TradeDesc.
const tilde = Object.assign({}, published, {
  ItemName: "Men's T-shirt ~ size L x 1#Tom's mug x 2",
  TradeDesc: "促銷方案 ~ 'VIP'",
});
console.log('encode', sdk.urlencode_dot_net("~'!*()-_. 促"));
console.log('tilde_sha256', sdk.gen_chk_mac_value(tilde, 1));
console.log('tilde_md5', sdk.gen_chk_mac_value(tilde, 0));

// reference.py's edge values without its case-only key pair (`b`/`B`), whose order the SDKs
// leave to their sort routine: `~ ' space + %`, emoji, an empty value.
const edge = { ItemName: "a~b'c d+e%f", TradeDesc: '促銷方案😀', Empty: '' };
console.log('edge_sha256', sdk.gen_chk_mac_value(edge, 1));
console.log('edge_md5', sdk.gen_chk_mac_value(edge, 0));
