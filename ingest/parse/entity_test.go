package parse

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestPlainNotBase64(t *testing.T) {
	prose := "Dear chairs,\r\n\r\nTitle: LS on OTN mapping\r\nPurpose: For comment\r\n"
	enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(prose, 5)))
	var wrapped strings.Builder
	for len(enc) > 76 {
		wrapped.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	wrapped.WriteString(enc + "\r\n")
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"prose", prose, true},
		{"base64 in lines", wrapped.String(), false},
		{"base64 with a junk line", wrapped.String() + "-- \r\nsig\r\n", false},
		{"one word", "Hello", false},
		{"binary", "\xff\xfe\x00 a b c d e f", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		if got := plainNotBase64([]byte(tt.in)); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestBase64TextPart: a text part in real base64 is decoded; one declared base64 that is
// plain text is read as written, with a problem saying so.
func TestBase64TextPart(t *testing.T) {
	body := "Title: LS on OTN mapping\r\nPurpose: For comment\r\nThe group asks for comments.\r\n"
	msg := func(cte, text string) []byte {
		return []byte("From: a@itu.example\r\nTo: b@ietf.org\r\nSubject: LS\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n" +
			"Content-Transfer-Encoding: " + cte + "\r\n\r\n" + text + "\r\n--b--\r\n")
	}
	tests := []struct {
		name, cte, text string
		problem         bool
	}{
		{"real base64", "base64", base64.StdEncoding.EncodeToString([]byte(body)), false},
		{"plain text declared base64", "base64", body, true},
		{"plain text declared base64, upper case", "BASE64", body, true},
	}
	for _, tt := range tests {
		res, err := Parse(msg(tt.cte, tt.text), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Statement.Body, "The group asks for comments.") {
			t.Errorf("%s: body %q", tt.name, res.Statement.Body)
		}
		has := strings.Contains(strings.Join(res.Problems, "\n"), "declared base64 holds plain text")
		if has != tt.problem {
			t.Errorf("%s: problems %q", tt.name, res.Problems)
		}
	}
}
