package mailfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// collect walks path and returns what fn saw.
func collect(t *testing.T, w Walker, path string) []Message {
	t.Helper()
	var got []Message
	if err := w.Walk(path, func(m Message) error {
		got = append(got, m)
		return nil
	}); err != nil {
		t.Fatalf("Walk(%s): %v", path, err)
	}
	return got
}

type want struct {
	name, from, data string
	err              error
}

func check(t *testing.T, got []Message, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		for _, m := range got {
			t.Logf("got %s from=%q err=%v %q", m.Name, m.EnvelopeFrom, m.Err, m.Data)
		}
		t.Fatalf("%d messages, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		m := got[i]
		if m.Name != w.name || m.EnvelopeFrom != w.from || string(m.Data) != w.data || !errors.Is(m.Err, w.err) {
			t.Errorf("message %d:\n got %s from=%q err=%v %q\nwant %s from=%q err=%v %q",
				i, m.Name, m.EnvelopeFrom, m.Err, short(m.Data), w.name, w.from, w.err, short([]byte(w.data)))
		}
		if m.Err != nil && m.Data != nil {
			t.Errorf("message %d has both Err and Data", i)
		}
	}
}

// short abbreviates long data in test messages.
func short(b []byte) string {
	if len(b) > 200 {
		return string(b[:100]) + "..." + string(b[len(b)-100:])
	}
	return string(b)
}

func TestWalk(t *testing.T) {
	for _, tc := range []struct {
		path  string
		kind  Kind
		wants []want
	}{
		{"testdata/single.eml", Single, []want{{
			"single.eml", "",
			"From: Liaison Officer <lo@3gpp.org>\nTo: ls-intake@example.org\nSubject: LS on YANG\n\nBody line\n\nFrom the meeting, nothing.\n", nil,
		}}},
		{"testdata/lf.mbox", Mbox, []want{
			{"lf.mbox#1", "lo@3gpp.org", "Subject: one\n\nfirst body\n", nil},
			{"lf.mbox#2", "", "Subject: two\n\nFrom the chair\n>From quoted twice\nFrom not after a blank line stays\n> From with a space stays\nFromage\n", nil},
			{"lf.mbox#3", "sender@itu.int", "Subject: three\n\nno trailing blank line\n", nil},
		}},
		{"testdata/crlf.mbox", Mbox, []want{
			{"crlf.mbox#1", "a@example.org", "Subject: crlf one\r\n\r\nbody\r\n", nil},
			{"crlf.mbox#2", "b@example.org", "Subject: crlf two\r\n\r\nFrom quoted\r\nlast\r\n", nil},
		}},
		{"testdata/maildir", Maildir, []want{
			{"new/1700000001.M1.host", "", "Subject: new one\n\nhi\n", nil},
			{"cur/1700000000.M1.host:2,S", "", "From looks like mbox but is not\nSubject: cur one\n\nhi\n", nil},
		}},
		{"testdata/folder", Folder, []want{
			{"a.eml", "", "Subject: a\n\nA\n", nil},
			{"b.mbox#1", "x@example.org", "Subject: b1\n\nB1\n", nil},
			{"b.mbox#2", "y@example.org", "Subject: b2\n\nB2\n", nil},
			{"sub/box/cur/1.host:2,", "", "Subject: d\n\nD\n", nil},
			{"sub/c.EML", "", "Subject: c\n\nC\n", nil},
		}},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			kind, err := Detect(tc.path)
			if err != nil || kind != tc.kind {
				t.Errorf("Detect = %v, %v; want %v", kind, err, tc.kind)
			}
			check(t, collect(t, Walker{}, tc.path), tc.wants)
		})
	}
}

// TestTooLarge: an oversize message is reported in its place and the walk goes on.
func TestTooLarge(t *testing.T) {
	w := Walker{MaxMessageBytes: 30}
	check(t, collect(t, w, "testdata/lf.mbox"), []want{
		{"lf.mbox#1", "lo@3gpp.org", "Subject: one\n\nfirst body\n", nil},
		{"lf.mbox#2", "", "", ErrTooLarge},
		{"lf.mbox#3", "sender@itu.int", "", ErrTooLarge},
	})
	check(t, collect(t, Walker{MaxMessageBytes: 10}, "testdata/single.eml"), []want{
		{"single.eml", "", "", ErrTooLarge},
	})
	// Exactly at the limit is fine, in an mbox and in a file.
	check(t, collect(t, Walker{MaxMessageBytes: 27}, "testdata/crlf.mbox"), []want{
		{"crlf.mbox#1", "a@example.org", "Subject: crlf one\r\n\r\nbody\r\n", nil},
		{"crlf.mbox#2", "b@example.org", "", ErrTooLarge},
	})
	check(t, collect(t, Walker{MaxMessageBytes: 14}, "testdata/folder/a.eml"), []want{
		{"a.eml", "", "Subject: a\n\nA\n", nil},
	})
	check(t, collect(t, Walker{MaxMessageBytes: 13}, "testdata/folder/a.eml"), []want{
		{"a.eml", "", "", ErrTooLarge},
	})
}

func TestWalkStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Walk("testdata/lf.mbox", func(m Message) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("Walk = %v after %d messages, want stop after 1", err, n)
	}
}

func TestWalkMissing(t *testing.T) {
	err := Walk("testdata/absent.mbox", func(Message) error { return nil })
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "absent.mbox") {
		t.Errorf("Walk(missing) = %v", err)
	}
}

func TestUnreadableFileInFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "x.eml")
	if err := os.WriteFile(p, []byte("Subject: x\n\n"), 0); err != nil {
		t.Fatal(err)
	}
	got := collect(t, Walker{}, dir)
	if len(got) != 1 || got[0].Err == nil {
		t.Errorf("got %+v", got)
	}
}

// TestLongLines: lines longer than the read buffer, quoting prefixes split across peeks.
func TestLongLines(t *testing.T) {
	long := strings.Repeat("x", 3*mboxBufSize)
	quote := strings.Repeat(">", 10) // with ">From " at most the 16-byte buffer
	in := "From a@b Thu Jan  1 00:00:00 2026\n" + long + "\n" + quote + "From deep\n\n" +
		"From c@d Thu Jan  1 00:00:00 2026\nSubject: 2\n"
	var got []Message
	err := splitMbox(strings.NewReader(in), "t", 1<<30, 16, func(m Message) error {
		got = append(got, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check(t, got, []want{
		{"t#1", "a@b", long + "\n" + quote[1:] + "From deep\n", nil},
		{"t#2", "c@d", "Subject: 2\n", nil},
	})
}

// TestStreaming: a large mbox is handed out message by message, each exactly as written.
func TestStreaming(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big.mbox")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("0123456789abcdef\n"), 1<<12) // 68 KiB
	want := append([]byte("Subject: m\n\n"), body...)
	want = append(want, "\nFrom a quoted line\n"...)
	const n = 300 // 20 MiB in all
	for range n {
		f.WriteString("From s@example.org Thu Jan  1 00:00:00 2026\nSubject: m\n\n")
		f.Write(body)
		f.WriteString("\n>From a quoted line\n\n")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	count := 0
	err = Walk(p, func(m Message) error {
		count++
		if m.Err != nil || !bytes.Equal(m.Data, want) || m.EnvelopeFrom != "s@example.org" {
			t.Fatalf("%s: %v %q", m.Name, m.Err, short(m.Data))
		}
		return nil
	})
	if err != nil || count != n {
		t.Errorf("%d messages, %v; want %d", count, err, n)
	}
}
