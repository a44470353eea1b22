package mailfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// quotable matches the lines an mboxrd writer quotes.
var quotable = regexp.MustCompile(`^>*From `)

// writeMboxrd writes messages as an mboxrd writer does; each message must end in "\n".
func writeMboxrd(msgs [][]byte) []byte {
	var b bytes.Buffer
	for i, m := range msgs {
		fmt.Fprintf(&b, "From s%d@example.org Thu Jan  1 00:00:00 2026\n", i)
		for _, line := range bytes.SplitAfter(m, []byte("\n")) {
			if quotable.Match(line) {
				b.WriteByte('>')
			}
			b.Write(line)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// FuzzMbox: the splitter never fails or panics on any input nor hands out more bytes than
// it read, and messages written as mboxrd come back byte for byte.
func FuzzMbox(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.mbox")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("a\x00From b\n\nFrom c\n>From d\x00\x00\r\n\r\n"))
	f.Add([]byte(">>>>>>>>>>>>>>From x\n\nFrom y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, size := range []int{16, mboxBufSize} {
			total := 0
			err := splitMbox(bytes.NewReader(data), "f", int64(len(data))+1, size, func(m Message) error {
				if m.Err != nil {
					t.Fatalf("%s: %v", m.Name, m.Err)
				}
				total += len(m.Data)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if total > len(data) {
				t.Fatalf("handed out %d bytes from %d", total, len(data))
			}
		}

		// Round trip: NUL bytes cut the input into messages.
		var msgs [][]byte
		for _, p := range bytes.Split(data, []byte{0}) {
			if len(p) > 0 && p[len(p)-1] != '\n' {
				p = append(p, '\n')
			}
			msgs = append(msgs, p)
		}
		var got [][]byte
		err := splitMbox(bytes.NewReader(writeMboxrd(msgs)), "f", 1<<30, mboxBufSize, func(m Message) error {
			got = append(got, m.Data)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(msgs) {
			t.Fatalf("%d messages back, wrote %d", len(got), len(msgs))
		}
		for i := range msgs {
			if !bytes.Equal(got[i], msgs[i]) {
				t.Fatalf("message %d:\n got %q\nwant %q", i, got[i], msgs[i])
			}
		}
	})
}
