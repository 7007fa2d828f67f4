//! HTML escaping and the auto-submitting form.

/// Escapes text for an HTML attribute value or text node: `& < > " '`.
///
/// ```
/// assert_eq!(ecpay_sdk::html::escape(r#"a"<b>&'c"#), "a&quot;&lt;b&gt;&amp;&#39;c");
/// ```
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders an HTML page with a form POSTing `fields` to `action`, submitted by script on
/// load, with a visible submit button for browsers without script. Every attribute value
/// (the action, each name and value) is HTML-escaped.
pub fn auto_submit_form(action: &str, fields: &[(String, String)]) -> String {
    let mut html = String::with_capacity(512 + fields.len() * 80);
    html.push_str("<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>ECPay</title></head>\n<body>\n");
    html.push_str("<form id=\"__ecpayForm\" method=\"post\" accept-charset=\"UTF-8\" action=\"");
    html.push_str(&escape(action));
    html.push_str("\">\n");
    for (name, value) in fields {
        html.push_str("<input type=\"hidden\" name=\"");
        html.push_str(&escape(name));
        html.push_str("\" value=\"");
        html.push_str(&escape(value));
        html.push_str("\">\n");
    }
    html.push_str(
        "<noscript><input type=\"submit\" value=\"Continue to ECPay\"></noscript>\n</form>\n",
    );
    html.push_str(
        "<script>document.getElementById(\"__ecpayForm\").submit();</script>\n</body>\n</html>\n",
    );
    html
}
