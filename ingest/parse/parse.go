package parse

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"time"

	liaisond "github.com/ietf-tools/liaisond"
)

// Parse reads one raw message. The result is a statement, a reply command, or not a
// statement with the reason; what could not be read becomes a problem on the result. An error
// is returned only when the parser itself failed (a bug), never for bad input; the caller
// keeps the message and may retry.
func Parse(raw []byte, opts Options) (res *Result, err error) {
	opts = opts.withDefaults()
	defer func() {
		if r := recover(); r != nil {
			res = nil
			err = fmt.Errorf("parse: internal error: %v\n%s", r, debug.Stack())
		}
	}()
	res = &Result{Ack: liaisond.Ack{To: []string{}}}
	w := &walker{opts: opts, res: res, deadline: time.Now().Add(opts.Timeout)}
	ent := w.read(bytes.NewReader(skipMboxFrom(crlf(raw))), 0)
	res.MessageID = messageID(ent.header)
	dt := isDatatracker(ent.header)

	if reason := notStatement(ent.header, ent, opts, dt); reason != "" {
		return notA(res, reason), nil
	}
	if reply := readReply(ent.header, ent, opts); reply != nil {
		res.Kind = Command
		res.Reply = reply
		res.Ack.Reason = "a reply to our confirmation request"
		return res, nil
	}
	b := &builder{opts: opts, res: res, ent: ent, chain: buildChain(ent), dt: dt}
	b.build()
	if res.Kind != Statement {
		return notA(res, res.Reason), nil
	}
	return res, nil
}

func notA(res *Result, reason string) *Result {
	res.Kind = NotStatement
	res.Reason = reason
	res.Statement = liaisond.Statement{}
	res.Statement.Normalize()
	res.Files = nil
	res.Ack = liaisond.Ack{To: []string{}, Reason: "not a statement"}
	return res
}

// skipMboxFrom drops an mbox "From " separator line that backfill files may start with.
func skipMboxFrom(raw []byte) []byte {
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			return raw[i+1:]
		}
	}
	return raw
}

// crlf turns the line ends of a message written with bare CRs (old Mac clients), or with
// CRLF and bare LF mixed (a relay or a script that joined parts), into CRLF, which the
// MIME reader needs to find every part; messages that keep to one convention are returned
// as they are.
func crlf(raw []byte) []byte {
	lf := bytes.Count(raw, []byte("\n"))
	crlfs := bytes.Count(raw, []byte("\r\n"))
	switch {
	case lf == 0 && bytes.IndexByte(raw, '\r') >= 0:
		return bytes.ReplaceAll(raw, []byte("\r"), []byte("\r\n"))
	case crlfs == 0 || crlfs == lf:
		return raw
	}
	out := make([]byte, 0, len(raw)+lf-crlfs)
	for i, c := range raw {
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}
