package mailfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Kind is the layout of a path given to Walk.
type Kind int

// The layouts Walk reads.
const (
	Single  Kind = iota // one message, such as a .eml file
	Mbox                // a file starting with "From ": messages separated by From_ lines
	Maildir             // a folder with cur/ and new/
	Folder              // any other folder: its .eml and .mbox files, recursively
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case Single:
		return "message"
	case Mbox:
		return "mbox"
	case Maildir:
		return "maildir"
	case Folder:
		return "folder"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Detect tells how Walk reads path: a folder with cur/ or new/ is a Maildir, other folders
// are walked for .eml and .mbox files, a file starting with "From " is an mbox, and any
// other file is a single message.
func Detect(path string) (Kind, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("mailfile: %w", err)
	}
	if fi.IsDir() {
		if isMaildir(path) {
			return Maildir, nil
		}
		return Folder, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("mailfile: %w", err)
	}
	defer f.Close()
	mbox, err := startsWithFrom(bufio.NewReader(f))
	if err != nil {
		return 0, fmt.Errorf("mailfile: reading %s: %w", path, err)
	}
	if mbox {
		return Mbox, nil
	}
	return Single, nil
}

// isMaildir reports whether dir has a cur or new subfolder.
func isMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err == nil && fi.IsDir() {
			return true
		}
	}
	return false
}

// startsWithFrom reports whether br's next bytes are "From ", without consuming them.
func startsWithFrom(br *bufio.Reader) (bool, error) {
	b, err := br.Peek(len(fromPrefix))
	if err != nil && err != io.EOF {
		return false, err
	}
	return string(b) == fromPrefix, nil
}
