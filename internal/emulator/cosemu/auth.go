package cosemu

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// clockSkew is how far a signature's start time may lie in the future.
const clockSkew = 15 * time.Minute

// checkAuth verifies the COS Authorization header as COS does (and as
// cos-go-sdk-v5 auth.go computes it):
//
//	SignKey      = hex(HMAC-SHA1(SecretKey, q-key-time))
//	HttpString   = lower(method) \n path \n params \n headers \n
//	StringToSign = "sha1" \n q-sign-time \n hex(SHA1(HttpString)) \n
//	Signature    = hex(HMAC-SHA1(SignKey, StringToSign))
//
// params and headers are "k=v" joined by '&', over the names listed in
// q-url-param-list and q-header-list, names lower-cased and both names and
// values percent-encoded (everything but A-Z a-z 0-9 - _ . ~), sorted.
// x-cos-security-token, when present, is accepted as is.
func (s *Server) checkAuth(r *http.Request) *apiError {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return errf(http.StatusForbidden, "AccessDenied", "Access Denied: the request has no Authorization header")
	}
	f := map[string]string{}
	for _, kv := range strings.Split(auth, "&") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return errf(http.StatusForbidden, "AccessDenied", "malformed Authorization header: element %q has no '='", k)
		}
		f[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	for _, k := range []string{"q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time", "q-signature"} {
		if f[k] == "" {
			return errf(http.StatusForbidden, "AccessDenied", "malformed Authorization header: %s is missing", k)
		}
	}
	if f["q-sign-algorithm"] != "sha1" {
		return errf(http.StatusForbidden, "AccessDenied", "q-sign-algorithm must be sha1")
	}
	if f["q-ak"] != s.opts.SecretID {
		return errf(http.StatusForbidden, "InvalidAccessKeyId", "The access key Id (q-ak) you provided does not exist in our records.")
	}
	now := time.Now()
	for _, k := range []string{"q-sign-time", "q-key-time"} {
		start, end, ok := parseWindow(f[k])
		if !ok {
			return errf(http.StatusForbidden, "AccessDenied", "malformed %s in Authorization header", k)
		}
		if now.Add(clockSkew).Before(start) {
			return errf(http.StatusForbidden, "RequestTimeTooSkewed", "%s starts in the future", k)
		}
		if now.After(end) {
			return errf(http.StatusForbidden, "AccessDenied", "Request has expired: %s has ended", k)
		}
	}

	params := signMap{}
	if list := f["q-url-param-list"]; list != "" {
		want := nameSet(list)
		for k, vs := range r.URL.Query() {
			n := strings.ToLower(safeURLEncode(k))
			if want[n] {
				params.add(n, vs...)
			}
		}
	}
	headers := signMap{}
	if list := f["q-header-list"]; list != "" {
		for n := range nameSet(list) {
			var vs []string
			switch n {
			case "host":
				vs = []string{r.Host}
			case "content-length":
				vs = r.Header.Values("Content-Length")
				if len(vs) == 0 && r.ContentLength >= 0 {
					vs = []string{strconv.FormatInt(r.ContentLength, 10)}
				}
			case "transfer-encoding":
				vs = r.Header.Values("Transfer-Encoding")
				if len(vs) == 0 {
					vs = r.TransferEncoding
				}
			default:
				vs = r.Header.Values(n)
			}
			headers.add(n, vs...)
		}
	}
	httpString := strings.ToLower(r.Method) + "\n" + r.URL.Path + "\n" + params.encode() + "\n" + headers.encode() + "\n"
	sum := sha1.Sum([]byte(httpString))
	stringToSign := "sha1\n" + f["q-sign-time"] + "\n" + hex.EncodeToString(sum[:]) + "\n"
	signKey := hmacHex(s.opts.SecretKey, f["q-key-time"])
	want := hmacHex(signKey, stringToSign)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(f["q-signature"]))) {
		return errf(http.StatusForbidden, "SignatureDoesNotMatch", "The Signature you specified does not match the signature computed over method, path, q-url-param-list and q-header-list with the SecretKey.")
	}
	return nil
}

func parseWindow(s string) (start, end time.Time, ok bool) {
	a, b, ok := strings.Cut(s, ";")
	if !ok {
		return
	}
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || y < x {
		return start, end, false
	}
	return time.Unix(x, 0), time.Unix(y, 0), true
}

func nameSet(list string) map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Split(list, ";") {
		if n = strings.TrimSpace(n); n != "" {
			m[strings.ToLower(n)] = true
		}
	}
	return m
}

func hmacHex(key, msg string) string {
	h := hmac.New(sha1.New, []byte(key))
	h.Write([]byte(msg))
	return hex.EncodeToString(h.Sum(nil))
}

type signMap map[string][]string

func (m signMap) add(name string, vs ...string) {
	for _, v := range vs {
		m[name] = append(m[name], v)
	}
}

func (m signMap) encode() string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		vs := append([]string(nil), m[n]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, n+"="+safeURLEncode(v))
		}
	}
	return strings.Join(parts, "&")
}

// safeURLEncode percent-encodes every byte except A-Z a-z 0-9 - _ . ~, as
// the SDK's safeURLEncode does.
func safeURLEncode(s string) string {
	return escape(s, func(c byte) bool { return false })
}

func escape(s string, keep func(byte) bool) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || keep(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}
